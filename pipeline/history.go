package pipeline

import "sync"

// history is the conversation of a call. The loop goroutine changes it;
// anyone may read a snapshot.
type history struct {
	mu   sync.Mutex
	msgs []Message
}

func (h *history) snapshot() []Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Message(nil), h.msgs...)
}

// add appends m and returns its index.
func (h *history) add(m Message) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, m)
	return len(h.msgs) - 1
}

// setText replaces the text of message i.
func (h *history) setText(i int, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= 0 && i < len(h.msgs) {
		h.msgs[i].Text = text
	}
}

// removeLast removes message i if it is the last one, and returns it.
func (h *history) removeLast(i int) (Message, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i < 0 || i != len(h.msgs)-1 {
		return Message{}, false
	}
	m := h.msgs[i]
	h.msgs = h.msgs[:i]
	return m, true
}
