package vaulttest

import (
	"encoding/json"
	"strings"
	"time"
)

// kvEntry is the version history of one KV v2 path.
type kvEntry struct {
	versions []*kvVersion // versions[i] is version i+1
}

type kvVersion struct {
	data      json.RawMessage // nil once destroyed
	created   time.Time
	deleted   time.Time // zero unless soft-deleted
	destroyed bool
}

// kvMetadata is the "metadata" object of a KV v2 read.
type kvMetadata struct {
	CreatedTime    string          `json:"created_time"`
	CustomMetadata json.RawMessage `json:"custom_metadata"`
	DeletionTime   string          `json:"deletion_time"`
	Destroyed      bool            `json:"destroyed"`
	Version        int             `json:"version"`
}

func (v *kvVersion) metadata(n int) kvMetadata {
	md := kvMetadata{
		CreatedTime:    v.created.UTC().Format(time.RFC3339Nano),
		CustomMetadata: json.RawMessage("null"),
		Destroyed:      v.destroyed,
		Version:        n,
	}
	if !v.deleted.IsZero() {
		md.DeletionTime = v.deleted.UTC().Format(time.RFC3339Nano)
	}
	return md
}

// Put writes data as a new version of path (below the mount) and returns
// the version number. Values are stored as their JSON encoding, with
// numbers passed through float64 as Vault does (5432 stays 5432, 1.50
// reads back as 1.5, integers beyond 2^53 lose digits), so numbers,
// booleans, maps and slices come back as Vault returns them. On a KV v1
// mount (WithKVVersion(1)) it replaces the path's value and returns 1.
func (s *Server) Put(path string, data map[string]any) int {
	if s.t != nil {
		s.t.Helper()
	}
	raw, err := json.Marshal(data)
	if err == nil {
		raw, err = normalize(raw)
	}
	if err != nil {
		s.fatalf("vaulttest: Put %s: %v", path, err)
	}
	return s.putRaw(path, raw)
}

// PutJSON writes a JSON object as a new version of path exactly as given,
// without Vault's float64 treatment of numbers: for testing how a client
// handles number text that a real Vault would not produce.
func (s *Server) PutJSON(path, object string) int {
	if s.t != nil {
		s.t.Helper()
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		s.fatalf("vaulttest: PutJSON %s: not a JSON object", path)
	}
	return s.putRaw(path, json.RawMessage(object))
}

// normalize re-encodes a JSON object the way Vault stores KV data: decoded
// into Go values (numbers become float64) and encoded again.
func normalize(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

func (s *Server) putRaw(path string, raw json.RawMessage) int {
	path = strings.Trim(path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[path]
	if e == nil || s.rd.kv1 { // KV v1 keeps one value per path
		e = &kvEntry{}
		s.entries[path] = e
	}
	e.versions = append(e.versions, &kvVersion{data: raw, created: s.now()})
	return len(e.versions)
}

// Delete soft-deletes versions of path, or its latest version when none
// are given, as `vault kv delete` does. Reading a deleted version answers
// 404 with its metadata and null data. On a KV v1 mount it removes the
// path.
func (s *Server) Delete(path string, versions ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rd.kv1 { // KV v1 has no versions: the path goes
		delete(s.entries, strings.Trim(path, "/"))
		return
	}
	s.deleteLocked(strings.Trim(path, "/"), versions)
}

func (s *Server) deleteLocked(path string, versions []int) {
	e := s.entries[path]
	if e == nil || len(e.versions) == 0 {
		return
	}
	if len(versions) == 0 {
		versions = []int{len(e.versions)}
	}
	for _, n := range versions {
		if v := e.version(n); v != nil && v.deleted.IsZero() && !v.destroyed {
			v.deleted = s.now()
		}
	}
}

// Undelete restores soft-deleted versions of path.
func (s *Server) Undelete(path string, versions ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[strings.Trim(path, "/")]; e != nil {
		for _, n := range versions {
			if v := e.version(n); v != nil {
				v.deleted = time.Time{}
			}
		}
	}
}

// Destroy removes the data of versions of path for good, as
// `vault kv destroy` does.
func (s *Server) Destroy(path string, versions ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.destroyLocked(strings.Trim(path, "/"), versions)
}

func (s *Server) destroyLocked(path string, versions []int) {
	if e := s.entries[path]; e != nil {
		for _, n := range versions {
			if v := e.version(n); v != nil {
				v.destroyed, v.data = true, nil
			}
		}
	}
}

// DeleteMetadata removes path and all its versions, as
// `vault kv metadata delete` does.
func (s *Server) DeleteMetadata(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, strings.Trim(path, "/"))
}

// version returns version n (0: the latest), or nil.
func (e *kvEntry) version(n int) *kvVersion {
	if n == 0 {
		n = len(e.versions)
	}
	if n < 1 || n > len(e.versions) {
		return nil
	}
	return e.versions[n-1]
}
