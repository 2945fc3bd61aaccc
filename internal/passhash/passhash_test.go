package passhash

import (
	"strings"
	"testing"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q", h)
	}
	if err := Parse(h); err != nil {
		t.Errorf("Parse(own hash): %v", err)
	}
	ok, err := Check(h, "correct horse")
	if err != nil || !ok {
		t.Errorf("Check(right) = %v, %v", ok, err)
	}
	ok, err = Check(h, "wrong horse")
	if err != nil || ok {
		t.Errorf("Check(wrong) = %v, %v", ok, err)
	}
	h2, _ := Hash("correct horse")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestCheckPlainPassword(t *testing.T) {
	if ok, _ := Check("pw", "pw"); !ok {
		t.Error("plain password did not match itself")
	}
	if ok, _ := Check("pw", "pw2"); ok {
		t.Error("plain password matched another")
	}
}

func TestParseHashRejects(t *testing.T) {
	cases := []string{
		"",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1,x=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	}
	for _, h := range cases {
		if err := Parse(h); err == nil {
			t.Errorf("Parse(%q) succeeded", h)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Fuzz(func(t *testing.T, s string) {
		if Parse(s) != nil {
			return
		}
		h, _ := parsePHC(s)
		if h.memory > maxArgonMemory || h.time > maxArgonTime || h.threads > maxArgonThreads {
			t.Fatalf("accepted parameters beyond bounds: %q", s)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse"); err != nil {
			b.Fatal(err)
		}
	}
}
