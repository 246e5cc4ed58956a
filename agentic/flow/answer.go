package flow

import (
	"strings"

	"github.com/parley-voice/parley/knowledge"
)

// answer runs an answer step: it searches the knowledge base with the
// step's query (by default the caller's words) in the call's language and
// speaks the best sentences of the top hits. Without an answer it takes
// the on_no_answer branch, by default saying so and going on.
func (t *turn) answer(s *step) error {
	st := &t.a.st
	query := strings.TrimSpace(t.req.Text)
	if s.query != nil {
		q, err := s.query.render(t.lang, t.data())
		if err != nil {
			t.a.log.Warn("answer query", "err", err)
		} else if q = strings.Join(strings.Fields(q), " "); q != "" {
			query = q
		}
	}
	var sentences []string
	var doc string
	if query != "" && t.a.f.searcher != nil {
		k := s.results
		if k == 0 {
			k = t.a.f.flows.settings.kbResults
		}
		hits, err := t.a.f.searcher.Search(t.ctx, query, knowledge.SearchOptions{K: k, Language: baseLang(t.lang)})
		if err := t.ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			t.a.log.Warn("knowledge search failed", "err", err)
		}
		n := s.sentences
		if n == 0 {
			n = t.a.f.flows.settings.kbSentences
		}
		sentences, doc = extract(query, hits, n)
	}
	if len(sentences) == 0 {
		t.a.note("no answer found for: " + query)
		if s.onNoAnswer != unset {
			st.pc = s.onNoAnswer
			return nil
		}
		st.pc = s.next
		return t.sayPrompt("no_answer")
	}
	t.a.note("answered from " + doc)
	st.pc = s.next
	for _, sen := range sentences {
		if err := t.sentence(sen); err != nil {
			return err
		}
	}
	return nil
}
