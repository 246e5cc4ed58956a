package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
)

// roundResult is what one model request produced.
type roundResult struct {
	content string // the answer's text, as streamed
	calls   []*pendingCall
	finish  string
}

// request sends the conversation to the model and streams its answer,
// speaking each sentence as it completes. Transient failures before the
// first token are retried with backoff; after it, what was said stands
// and the failure is returned.
func (t *turn) request(allowTools bool) (roundResult, error) {
	cfg := t.a.f.cfg
	req := t.chatRequest(allowTools)
	t.said = 0
	for attempt := 1; ; attempt++ {
		res, f := t.attempt(req)
		if f == nil {
			return res, nil
		}
		if !f.retry || attempt > cfg.Retries {
			return res, f.err
		}
		left := cfg.TurnTimeout - t.a.f.clock.Now().Sub(t.start)
		wait, ok := backoff(cfg, attempt, f.hint, left, t.a.f.jitter())
		if !ok {
			return res, fmt.Errorf("%w (not retried: a wait of %v is longer than max_backoff or the turn's remaining time)", f.err, wait)
		}
		t.a.log.Info("retrying the model request", "turn", t.req.Turn, "attempt", attempt+1, "wait", wait, "err", f.err)
		if err := sleep(t.ctx, t.a.f.clock, wait); err != nil {
			return res, t.ctxErr()
		}
	}
}

// attempt makes one model request and reads its stream. It returns a nil
// failure on success, including an answer cut at MaxSentences.
func (t *turn) attempt(req goopenai.ChatCompletionRequest) (roundResult, *failure) {
	var res roundResult
	info := &attemptInfo{}
	actx, cancel := context.WithCancelCause(context.WithValue(t.ctx, attemptKey{}, info))
	defer cancel(nil)
	wd := startWatchdog(t.a.f.clock, t.a.f.cfg.FirstTokenTimeout, func() { cancel(errStalled) })
	defer wd.Stop()
	t.split.Reset()
	stream, err := t.a.f.client.CreateChatCompletionStream(actx, req)
	if err != nil {
		return res, t.failed(actx, err, info, false)
	}
	defer stream.Close() // on an early return this drops the connection: the server sees the request end
	var acc accumulator
	var content strings.Builder
	started := false
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, t.failed(actx, err, info, started)
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			d := ch.Delta
			if d.Content != "" || len(d.ToolCalls) > 0 {
				started = true
				wd.Touch()
			} else if d.ReasoningContent != "" {
				wd.Touch() // thinking aloud is progress, not an answer
			}
			if ch.FinishReason != "" {
				res.finish = string(ch.FinishReason)
			}
			acc.add(d.ToolCalls)
			if d.Content == "" {
				continue
			}
			content.WriteString(d.Content)
			if err := t.say(d.Content); err != nil {
				return res, &failure{err: err}
			}
			if t.cut {
				t.a.log.Info("answer cut at max_sentences", "turn", t.req.Turn, "max_sentences", t.a.f.cfg.MaxSentences)
				return res, nil
			}
		}
	}
	if err := t.endOfAnswer(res.finish); err != nil {
		return res, &failure{err: err}
	}
	res.content, res.calls = content.String(), acc.calls
	return res, nil
}

// endOfAnswer speaks what the splitter still holds once the stream ended:
// the last sentence, unless the token limit cut it (finish reason
// "length") after something was said.
func (t *turn) endOfAnswer(finish string) error {
	if finish == string(goopenai.FinishReasonLength) && t.spoken > 0 {
		t.split.Reset()
		return nil
	}
	t.split.Finish()
	return t.drain()
}

// failed classifies the error of an attempt. started reports that the
// model had begun its answer: the failure is not retried then, since
// sentences may have been spoken.
func (t *turn) failed(actx context.Context, err error, info *attemptInfo, started bool) *failure {
	if t.ctx.Err() != nil {
		return &failure{err: t.ctxErr()}
	}
	if errors.Is(context.Cause(actx), errStalled) {
		what := "no first token"
		if started {
			what = "the stream stalled"
		}
		return &failure{err: fmt.Errorf("%w: %s within first_token_timeout (%v)", ErrTimeout, what, t.a.f.cfg.FirstTokenTimeout)}
	}
	f := classify(err, info.header, t.a.f.clock.Now())
	if started {
		f.retry = false
		f.err = fmt.Errorf("the stream broke mid-answer: %w", f.err)
	}
	return &f
}
