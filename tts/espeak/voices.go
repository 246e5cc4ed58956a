package espeak

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/parley-voice/parley/tts"
)

// language is one language a voice speaks, with espeak-ng's priority for
// it (lower is more preferred).
type language struct {
	tag      string // lower case, hyphenated: "en-us", "zh"
	priority int
}

// voiceInfo describes one espeak-ng voice.
type voiceInfo struct {
	name       string // the lower-cased voice file name: "en-us", "cmn"
	identifier string // espeak-ng's: "gmw/en-US"
	display    string // espeak-ng's name: "English (America)"
	languages  []language
	gender     string
}

// speaks reports whether v lists the language tag exactly.
func (v voiceInfo) speaks(tag string) (int, bool) {
	for _, l := range v.languages {
		if l.tag == tag {
			return l.priority, true
		}
	}
	return 0, false
}

// catalogue is the voices of the process's espeak-ng, read once by New.
// MBROLA voices, which need the separate MBROLA synthesizer, are left out.
type catalogue struct {
	voices []voiceInfo
	byKey  map[string]int // voice names, identifiers, display names (lower case)
}

func newCatalogue(list []voiceInfo) (*catalogue, error) {
	c := &catalogue{byKey: make(map[string]int)}
	for _, v := range list {
		if strings.HasPrefix(v.identifier, "mb/") || v.identifier == "" {
			continue
		}
		v.name = strings.ToLower(path.Base(v.identifier))
		i := len(c.voices)
		c.voices = append(c.voices, v)
		for _, key := range []string{v.name, strings.ToLower(v.identifier), strings.ToLower(v.display)} {
			if _, dup := c.byKey[key]; !dup {
				c.byKey[key] = i
			}
		}
	}
	if len(c.voices) == 0 {
		return nil, fmt.Errorf("%w: espeak-ng lists no voices: run `make deps` (it installs Debian's espeak-ng-data)", ErrDataNotFound)
	}
	return c, nil
}

// voice finds a voice by name, identifier or display name, ignoring case;
// failing that, by language tag.
func (c *catalogue) voice(name string) (int, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if i, ok := c.byKey[key]; ok {
		return i, nil
	}
	if i, ok := c.forLanguage(key); ok {
		return i, nil
	}
	return 0, fmt.Errorf("%w %q: espeak-ng has %d voices, such as en-us, en, cmn, de, fr, es (see Voices, or run espeak-ng --voices)", ErrUnknownVoice, name, len(c.voices))
}

// forLanguage returns espeak-ng's preferred voice for a BCP 47 tag: the
// voice listing the tag with the lowest priority (then the shortest name),
// else the same for the tag's primary language ("zh-Hant-TW" -> "zh").
func (c *catalogue) forLanguage(tag string) (int, bool) {
	tag = normTag(tag)
	for _, t := range []string{tag, primary(tag)} {
		best, bestPrio := -1, 0
		for i, v := range c.voices {
			p, ok := v.speaks(t)
			if !ok {
				continue
			}
			if best < 0 || p < bestPrio || p == bestPrio && len(v.name) < len(c.voices[best].name) {
				best, bestPrio = i, p
			}
		}
		if best >= 0 {
			return best, true
		}
	}
	return 0, false
}

// list returns the voices as tts.Voices, sorted by name.
func (c *catalogue) list() []tts.Voice {
	out := make([]tts.Voice, 0, len(c.voices))
	for _, v := range c.voices {
		lang := ""
		if len(v.languages) > 0 {
			lang = bcp47(v.languages[0].tag)
		}
		out = append(out, tts.Voice{Name: v.name, Language: lang, Gender: v.gender, Rate: nativeRate})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// normTag lower-cases a language tag and uses hyphens.
func normTag(tag string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
}

// primary returns the primary language subtag.
func primary(tag string) string {
	if i := strings.IndexByte(tag, '-'); i > 0 {
		return tag[:i]
	}
	return tag
}

// bcp47 formats espeak-ng's lower-case tag as BCP 47 does: two-letter
// region subtags in upper case ("en-us" -> "en-US").
func bcp47(tag string) string {
	parts := strings.Split(tag, "-")
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 2 {
			parts[i] = strings.ToUpper(parts[i])
		}
	}
	return strings.Join(parts, "-")
}
