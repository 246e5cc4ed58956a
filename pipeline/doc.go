// Package pipeline is the per-call streaming core of Parley: caller frames in
// from a transport, voice activity and turn-taking, streaming recognition,
// the agent that decides what to say, speech synthesis, and paced frames back
// out, with barge-in that stops the bot within one frame.
//
// # Shape
//
// pipeline.go is the contract. Engines enter a call through small
// interfaces declared here and implemented by adapters in their own packages:
// Recognizer (streaming STT), Agent (what to say, as a stream of Responses)
// and Synthesizer (text to audio chunks tagged with the text they speak).
// Audio taps and stages (recorders, QA taps, meters, noise suppression) are
// Interceptors, composed with a Chain, with an embeddable NoOpInterceptor,
// in the shape of pion/interceptor. The package imports only pipeline/audio
// and pipeline/vad. pipeline/pipelinetest holds fakes for tests and
// benchmarks.
//
// # One call
//
// One call is one Session, created with NewSession and ended with Close. A
// transport converts the caller's audio to 16 kHz mono PCM16 and calls
// Session.PushAudio once per frame; a pacer shared by many calls pulls the
// bot's audio with Session.NextFrame, one 20 ms frame per tick; on barge-in
// the session calls the transport's Flusher (Twilio "clear", stop RTP).
//
// The session owns one context and one loop goroutine. The loop takes caller
// frames from a bounded queue and runs, per frame: inbound interceptors, the
// voice activity detector, the recognition stream's Write, and the
// TurnDetector. Recognition results come back through a bounded queue to the
// same loop. Every goroutine that hands the loop work (frames, results,
// output progress, commands) wakes it through one channel, with a bit per
// kind of work, so the loop waits on three channels (that one, its context
// and its ticker) whatever the number of sources. Each bot turn runs under
// its own child context with two more
// goroutines: the agent's, which streams sentences into a bounded sentence
// queue, and the speech goroutine, which synthesizes them into the bounded
// output buffer that NextFrame reads. Every goroutine is started through one
// tracked helper; Close cancels the session context and waits for all of
// them.
//
// # Queues and their overflow policies
//
//   - Caller frames (Config.InboundQueue, default 1 s): drop the oldest and
//     count it (Stats.FramesDropped); the caller's newest audio matters most.
//   - Recognition results (256): drop the oldest partial result first (a
//     later one supersedes it), else the oldest result, and count it.
//   - Sentences from the agent (8): the agent blocks under its turn context.
//   - Bot audio (Config.OutputBuffer, default 2 s): the synthesizer blocks
//     under its turn context until the rest of its chunk, or a quarter of
//     the buffer, is free (so a synthesizer that runs ahead wakes a few
//     times a second, not once per frame); nothing is buffered without
//     bound, and barge-in discards at most the buffer's worth of synthesis.
//   - Events (per subscriber, Config.EventBuffer, default 256): a slow
//     subscriber loses events and Subscription.Dropped counts them.
//   - Commands (Say, Reply, SetBotEnabled; 16): rejected with ErrBusy.
//
// # Turn-taking
//
// TurnDetector is a pure, clock-driven state machine (no goroutines; time is
// an argument), configured by TurnConfig with documented defaults. Speech
// segments come from a vad.Segmenter (onset 0.5, offset 0.35, 100 ms to
// start, 300 ms to end). The end of the caller's turn waits for silence that
// depends on the words: 350 ms after a punctuated complete sentence, 700 ms
// by default, 1.6 s after a trailing filler, conjunction or article, or while
// digits are read out. If the recognizer's final result has not come when
// the silence is long enough, the detector waits up to 500 ms more for it,
// then decides on the latest partial result; a final that arrives later
// while the bot is still thinking replaces the text and restarts the answer.
// A turn longer than 30 s is ended even while the caller speaks.
//
// # Barge-in
//
// Caller speech (80 ms of frames at or above the onset threshold) while the
// bot is thinking or speaking pauses the bot at once: NextFrame returns no
// more bot audio from the next frame on, and the transport is flushed. The
// turn context stays alive while words decide: any word that is not a
// backchannel or filler confirms the interruption (the turn context is
// cancelled, so the agent request, synthesis and queued audio stop; history
// keeps only the words the caller heard, cut at a word boundary); a
// backchannel alone ("uh huh", "okay", "yeah"; not "yes" or "no", which
// answer the bot) resumes the bot; no words within 1 s after the sound ends
// (a cough, a door) resumes it too. A resumed bot restarts the word the
// caller did not hear in full: the output keeps the segment being played,
// rewinds to the estimated start of that word (snapped to the quietest 10 ms
// nearby) and fades in. If the caller heard no word of the answer, an
// interruption is taken as the continuation of their own turn: the caller's
// last message is reopened and answered together with the new words.
//
// # What the caller heard
//
// The output counts the samples handed to the transport per synthesized
// chunk. Chunks carry the byte range of the text they speak, so the words
// heard are known exactly for engines that chunk per word, and in proportion
// to the samples played (at word boundaries) for engines that produce a
// sentence at once.
//
// # Events and metrics
//
// A session publishes typed events (transcripts, caller speech, end of turn,
// bot text and speech, barge-in, interruption, resume, agent actions, alerts,
// errors, per-turn metrics, call ended) stamped with the call id, a sequence
// number and the session clock. TurnMetrics time every bot turn: end-of-turn
// decision, first agent sentence, first synthesized audio, first frame handed
// to the transport (Overhead), and for barge-ins the caller's onset, the
// pause decision and the last bot frame handed over (CutOff). They are
// published as TurnMetricsEvents and passed to the WithMetrics hook.
//
// # Time
//
// Every timestamp and timeout reads the Clock given with WithClock. Caller
// frames are stamped when pushed, recognition results when the loop handles
// them, and bot frames when NextFrame hands them over, so a test driving a
// session with pipelinetest.Clock is deterministic without sleeps.
package pipeline
