package vault

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
)

// AWS IAM login: the request Vault's aws auth method expects.
const (
	// DefaultAWSRegion is the region the sts:GetCallerIdentity request is
	// signed for, Vault's default sts_region.
	DefaultAWSRegion = "us-east-1"
	// AWSServerIDHeader is the header AWSServerID adds to the signed
	// request (Vault's iam_server_id_header_value).
	AWSServerIDHeader = "X-Vault-AWS-IAM-Server-ID"

	stsBody        = "Action=GetCallerIdentity&Version=2011-06-15"
	stsContentType = "application/x-www-form-urlencoded; charset=utf-8"
)

// AWSCredentials sets where the AWS credentials come from (default: the
// SDK's default chain, config.LoadDefaultConfig: environment, shared
// files, web identity (EKS), ECS and EC2 roles). AWSIAM only.
func AWSCredentials(p aws.CredentialsProvider) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("AWSCredentials", methodAWS); err != nil {
			return err
		}
		if p == nil {
			return configError("AWSCredentials: nil provider")
		}
		c.awsCreds = p
		return nil
	}
}

// AWSRegion sets the region the request is signed for and sent to
// (https://sts.REGION.amazonaws.com/). It must match the sts_region and
// sts_endpoint of Vault's aws auth configuration. Default: us-east-1 with
// the global endpoint https://sts.amazonaws.com/, Vault's default.
// AWSIAM only.
func AWSRegion(region string) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("AWSRegion", methodAWS); err != nil {
			return err
		}
		if region == "" || strings.ContainsAny(region, "/:?#@ ") {
			return configError("AWSRegion(%q): not a region name", region)
		}
		c.awsRegion = region
		return nil
	}
}

// AWSServerID adds the X-Vault-AWS-IAM-Server-ID header, signed, with
// this value: Vault's iam_server_id_header_value, which stops a request
// signed for one Vault from being replayed to another. AWSIAM only.
func AWSServerID(id string) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("AWSServerID", methodAWS); err != nil {
			return err
		}
		if id == "" {
			return configError("AWSServerID: empty value")
		}
		c.awsServerID = id
		return nil
	}
}

// AWSSTSEndpoint sets the STS URL the request names (a FIPS or VPC
// endpoint), instead of the one AWSRegion implies. It must be an absolute
// http or https URL. AWSIAM only.
func AWSSTSEndpoint(endpoint string) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("AWSSTSEndpoint", methodAWS); err != nil {
			return err
		}
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return configError("AWSSTSEndpoint: not an http(s) URL without user info")
		}
		if u.Path == "" {
			u.Path = "/"
		}
		c.awsEndpoint = u.String()
		return nil
	}
}

// awsLogin logs in at auth/<mount>/login with a signed
// sts:GetCallerIdentity request.
type awsLogin struct {
	role, mount      string
	creds            aws.CredentialsProvider
	region, endpoint string
	serverID         string
	now              func() time.Time
}

var _ api.AuthMethod = (*awsLogin)(nil)

// AWSIAM returns an AWS IAM login for WithAuth, as the Vault role role:
// at every login it signs an sts:GetCallerIdentity request with the
// current AWS credentials (aws-sdk-go-v2's signer) and sends its method,
// URL, body and headers, base64-encoded, to Vault, which replays it to
// STS to learn who is calling. Options: LoginMount, AWSCredentials,
// AWSRegion, AWSServerID, AWSSTSEndpoint. An empty role, or an AWS
// configuration the SDK cannot load, is an ErrConfig error.
func AWSIAM(role string, opts ...LoginOption) (api.AuthMethod, error) {
	var errs []error
	if role == "" {
		errs = append(errs, configError("AWSIAM: empty role"))
	}
	c, err := newLoginConfig(methodAWS, DefaultAWSMount, opts)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a := &awsLogin{role: role, mount: c.mount, creds: c.awsCreds, region: c.awsRegion,
		endpoint: c.awsEndpoint, serverID: c.awsServerID, now: time.Now}
	if a.region == "" {
		a.region = DefaultAWSRegion
	}
	if a.endpoint == "" {
		a.endpoint = "https://sts.amazonaws.com/"
		if c.awsRegion != "" {
			a.endpoint = "https://sts." + c.awsRegion + ".amazonaws.com/"
		}
	}
	if a.creds == nil {
		cfg, err := awsconfig.LoadDefaultConfig(context.Background())
		if err != nil {
			return nil, classified(vaultly.ErrConfig, "AWSIAM: loading the AWS configuration failed",
				&vaultError{msg: oneLine(err.Error(), 4*maxErrorLen), cause: err})
		}
		a.creds = cfg.Credentials
	}
	return a, nil
}

// Login implements api.AuthMethod.
func (a *awsLogin) Login(ctx context.Context, client *api.Client) (*api.Secret, error) {
	data, err := a.loginData(ctx)
	if err != nil {
		return nil, err
	}
	return client.Logical().WriteWithContext(ctx, "auth/"+a.mount+"/login", data)
}

// loginData signs the request and encodes it as Vault's aws auth method
// reads it.
func (a *awsLogin) loginData(ctx context.Context) (map[string]any, error) {
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		// A provider's error may quote what it read (credential_process
		// output with the keys in it): it is kept, not printed.
		return nil, &vaultError{msg: "aws login: retrieving the AWS credentials failed (the provider's error is not quoted)", cause: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, strings.NewReader(stsBody))
	if err != nil {
		return nil, fmt.Errorf("aws login: building the STS request: %w", err)
	}
	req.Header.Set("Content-Type", stsContentType)
	if a.serverID != "" {
		req.Header.Set(AWSServerIDHeader, a.serverID)
	}
	sum := sha256.Sum256([]byte(stsBody))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", a.region, a.now()); err != nil {
		return nil, &vaultError{msg: "aws login: signing the STS request failed", cause: err}
	}
	headers, err := json.Marshal(req.Header)
	if err != nil {
		return nil, fmt.Errorf("aws login: encoding the headers: %w", err)
	}
	b64 := base64.StdEncoding.EncodeToString
	return map[string]any{
		"role":                    a.role,
		"iam_http_request_method": req.Method,
		"iam_request_url":         b64([]byte(req.URL.String())),
		"iam_request_body":        b64([]byte(stsBody)),
		"iam_request_headers":     b64(headers),
	}, nil
}
