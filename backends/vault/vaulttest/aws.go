package vaulttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// awsRole is an aws auth role: the access key whose signed
// sts:GetCallerIdentity requests log in as it.
type awsRole struct {
	accessKeyID, secretKey string
	denied                 []string
}

// AddAWSRole lets an aws (iam) login as role issue tokens when its
// sts:GetCallerIdentity request is signed with the access key
// accessKeyID and secretKey; the tokens are denied the KV paths starting
// with one of denied. The server checks the request the way STS would:
// POST, the GetCallerIdentity body, a SigV4 signature for service "sts"
// that it computes again, and the server-id header when SetAWSServerID
// asked for one.
func (s *Server) AddAWSRole(role, accessKeyID, secretKey string, denied ...string) {
	s.mu.Lock()
	s.auth.awsRoles[role] = &awsRole{accessKeyID: accessKeyID, secretKey: secretKey, denied: trimAll(denied)}
	s.mu.Unlock()
}

// SetAWSServerID makes aws logins require the X-Vault-AWS-IAM-Server-ID
// header, signed, with value id (Vault's iam_server_id_header_value); ""
// stops requiring it.
func (s *Server) SetAWSServerID(id string) {
	s.mu.Lock()
	s.auth.awsServerID = id
	s.mu.Unlock()
}

const awsServerIDHeader = "X-Vault-AWS-IAM-Server-ID"

func (s *Server) awsLogin(role, method, rawURL, rawHeaders, rawBody string) (map[string]any, string) {
	s.mu.Lock()
	ar, ok := s.auth.awsRoles[role]
	serverID := s.auth.awsServerID
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Sprintf("entry for role %q not found", role)
	}
	if msg := checkSTSRequest(ar, serverID, method, rawURL, rawHeaders, rawBody); msg != "" {
		return nil, msg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLoginTokenLocked(role, ar.denied), ""
}

// checkSTSRequest decodes the request and verifies its signature; it
// returns what is wrong, or "".
func checkSTSRequest(ar *awsRole, serverID, method, rawURL, rawHeaders, rawBody string) string {
	dec := base64.StdEncoding.DecodeString
	u, err1 := dec(rawURL)
	hb, err2 := dec(rawHeaders)
	body, err3 := dec(rawBody)
	if err1 != nil || err2 != nil || err3 != nil {
		return "error decoding the iam request: not base64"
	}
	var headers http.Header
	if err := json.Unmarshal(hb, &headers); err != nil {
		return "error parsing iam_request_headers: not a JSON object of string lists"
	}
	if method != http.MethodPost {
		return "iam_http_request_method must be POST"
	}
	if string(body) != "Action=GetCallerIdentity&Version=2011-06-15" {
		return "iam_request_body is not a GetCallerIdentity request"
	}
	parsed, err := url.Parse(string(u))
	if err != nil || parsed.Scheme != "https" || parsed.Host == "" {
		return "iam_request_url is not an https URL"
	}
	if serverID != "" {
		if got := headers.Get(awsServerIDHeader); got != serverID {
			return "expected " + awsServerIDHeader + " header value does not match"
		}
		if !strings.Contains(strings.ToLower(headers.Get("Authorization")), "x-vault-aws-iam-server-id") {
			return awsServerIDHeader + " header is not signed"
		}
	}
	// Credential=AKID/DATE/REGION/sts/aws4_request
	auth := headers.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		return "missing or malformed Authorization header"
	}
	cred, _, _ = strings.Cut(cred, ",")
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[3] != "sts" || scope[4] != "aws4_request" {
		return "malformed credential scope"
	}
	if scope[0] != ar.accessKeyID {
		return "the request is signed by another access key"
	}
	signedAt, err := time.Parse("20060102T150405Z", headers.Get("X-Amz-Date"))
	if err != nil {
		return "missing or malformed X-Amz-Date header"
	}
	// Sign again what was received and compare.
	req, err := http.NewRequestWithContext(context.Background(), method, parsed.String(), bytes.NewReader(body))
	if err != nil {
		return "iam_request_url is not valid"
	}
	for k, vs := range headers {
		if !strings.EqualFold(k, "Authorization") {
			req.Header[k] = vs
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: ar.accessKeyID, SecretAccessKey: ar.secretKey,
		SessionToken: headers.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", scope[2], signedAt); err != nil {
		return "cannot verify the signature"
	}
	if req.Header.Get("Authorization") != auth {
		return "SignatureDoesNotMatch: the request signature does not match"
	}
	return ""
}
