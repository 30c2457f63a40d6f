package smtest_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// Seeding through the SDK: CreateSecret, PutSecretValue,
// UpdateSecretVersionStage and DeleteSecret do what the Go methods do.
func TestSeedOverTheWire(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	client := srv.Client()
	ctx := t.Context()

	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("pw-1")})
	if err != nil {
		t.Fatal(err)
	}
	v1 := aws.ToString(created.VersionId) // the SDK's ClientRequestToken
	if len(v1) != 36 || aws.ToString(created.ARN) != srv.ARN("app/db") {
		t.Errorf("CreateSecret: version %q, ARN %q", v1, aws.ToString(created.ARN))
	}
	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("x")}); errCode(err) != "ResourceExistsException" {
		t.Errorf("CreateSecret twice: %v", err)
	}
	put, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/db"), SecretString: aws.String("pw-2")})
	if err != nil {
		t.Fatal(err)
	}
	v2 := aws.ToString(put.VersionId)
	pending, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/db"),
		SecretBinary: []byte{1, 2}, VersionStages: []string{"AWSPENDING"}})
	if err != nil {
		t.Fatal(err)
	}
	v3 := aws.ToString(pending.VersionId)
	stages := func() map[string]string {
		return map[string]string{"cur": srv.VersionID("app/db", "AWSCURRENT"), "prev": srv.VersionID("app/db", "AWSPREVIOUS"),
			"pend": srv.VersionID("app/db", "AWSPENDING")}
	}
	if diff := cmp.Diff(map[string]string{"cur": v2, "prev": v1, "pend": v3}, stages()); diff != "" {
		t.Errorf("after puts (-want +got):\n%s", diff)
	}
	// Finish the rotation: AWSCURRENT moves to the pending version.
	_, err = client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/db"),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v3), RemoveFromVersionId: aws.String(v2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/db"),
		VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(v3)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"cur": v3, "prev": v2, "pend": ""}, stages()); diff != "" {
		t.Errorf("after the rotation (-want +got):\n%s", diff)
	}
	_, err = client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/db"),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v1)})
	if errCode(err) != "InvalidParameterException" {
		t.Errorf("moving AWSCURRENT without RemoveFromVersionId: %v", err)
	}

	if _, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/db")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
	if errCode(err) != "InvalidRequestException" {
		t.Errorf("read after DeleteSecret with a recovery window: %v", err)
	}
	if _, err := client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/db"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if len(srv.Names()) != 0 {
		t.Errorf("names after a forced delete: %v", srv.Names())
	}
	if n := srv.Requests(smtest.OpPutSecretValue); n != 2 {
		t.Errorf("%d PutSecretValue requests, want 2", n)
	}
}
