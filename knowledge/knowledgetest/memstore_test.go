package knowledgetest_test

import (
	"testing"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/knowledgetest"
)

func TestMemStore(t *testing.T) {
	knowledgetest.StoreSuite(t, func(*testing.T) knowledge.Store { return knowledgetest.NewMemStore() })
}
