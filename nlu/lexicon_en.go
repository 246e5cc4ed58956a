package nlu

import "strings"

// The English word lists of this file are switch statements: constant
// data, no package state, no allocation.

// isFillerEN reports whether w is a hesitation that carries no meaning
// ("um", "uh"). "like" and "you know" are handled in context by units.
func isFillerEN(w string) bool {
	switch w {
	case "um", "umm", "uh", "uhh", "er", "erm", "ah", "ahh", "eh", "hmm", "hm", "mm":
		return true
	}
	return false
}

// likeIsVerb reports whether "like" after prev is the verb ("i'd like",
// "would like") rather than a filler ("i ordered like a week ago").
func likeIsVerb(prev string) bool {
	switch prev {
	case "i", "you", "we", "they", "would", "i'd", "you'd", "we'd", "they'd", "do", "does", "did",
		"don't", "doesn't", "didn't", "dont", "doesnt", "didnt", "to", "really", "also", "may", "might",
		"feel", "felt", "look", "looks", "looked", "sounds", "sound", "something", "anything", "nothing",
		"just", "not", "id", "wed", "youd", "theyd", "she", "he", "she'd", "he'd", "should", "could":
		return true
	}
	return false
}

// expandEN returns the one or two words a contraction or a common
// recognizer spelling stands for ("don't" is "do not", "wanna" is "want
// to"); ok is false when w is not one.
func expandEN(w string) (first, second string, ok bool) {
	switch w {
	case "don't", "dont":
		return "do", "not", true
	case "doesn't", "doesnt":
		return "does", "not", true
	case "didn't", "didnt":
		return "did", "not", true
	case "isn't", "isnt":
		return "is", "not", true
	case "aren't", "arent":
		return "are", "not", true
	case "wasn't", "wasnt":
		return "was", "not", true
	case "weren't", "werent":
		return "were", "not", true
	case "hasn't", "hasnt":
		return "has", "not", true
	case "haven't", "havent":
		return "have", "not", true
	case "hadn't", "hadnt":
		return "had", "not", true
	case "can't", "cant", "cannot":
		return "can", "not", true
	case "couldn't", "couldnt":
		return "could", "not", true
	case "won't", "wont":
		return "will", "not", true
	case "wouldn't", "wouldnt":
		return "would", "not", true
	case "shouldn't", "shouldnt":
		return "should", "not", true
	case "ain't":
		return "is", "not", true
	case "i'm", "im":
		return "i", "am", true
	case "i've", "ive":
		return "i", "have", true
	case "i'll":
		return "i", "will", true
	case "i'd":
		return "i", "would", true
	case "you're", "youre":
		return "you", "are", true
	case "you've":
		return "you", "have", true
	case "you'll":
		return "you", "will", true
	case "you'd":
		return "you", "would", true
	case "we're":
		return "we", "are", true
	case "we've":
		return "we", "have", true
	case "they're", "theyre":
		return "they", "are", true
	case "it's", "its":
		return "it", "is", true
	case "that's", "thats":
		return "that", "is", true
	case "that'll":
		return "that", "will", true
	case "what's", "whats":
		return "what", "is", true
	case "where's", "wheres":
		return "where", "is", true
	case "when's":
		return "when", "is", true
	case "how's":
		return "how", "is", true
	case "who's":
		return "who", "is", true
	case "there's", "theres":
		return "there", "is", true
	case "here's":
		return "here", "is", true
	case "let's":
		return "let", "us", true
	case "should've":
		return "should", "have", true
	case "would've":
		return "would", "have", true
	case "could've":
		return "could", "have", true
	case "nothing's":
		return "nothing", "has", true
	case "wanna":
		return "want", "to", true
	case "gonna":
		return "going", "to", true
	case "gotta":
		return "got", "to", true
	case "gimme":
		return "give", "me", true
	case "lemme":
		return "let", "me", true
	case "ok":
		return "okay", "", true
	case "alright":
		return "all", "right", true
	}
	return "", "", false
}

// stemEN strips common English inflections from a lowercase word so that
// "shipped", "shipping" and "ships" share the stem "ship". The stem is a
// prefix of w (no allocation); it is a feature key, not a word.
func stemEN(w string) string {
	if len(w) <= 3 || w[0] == '<' {
		return w
	}
	w = strings.TrimSuffix(w, "'s")
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-2] // "parties" -> "parti"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "es") && len(w) > 4 && (strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "xes")):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") && len(w) > 3:
		w = w[:len(w)-1]
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops the last letter of a stem ending in a doubled consonant
// ("shipp" -> "ship"), keeping ll, ss and zz ("bill", "miss").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// isFunctionWordEN reports whether w is a word that does not name a thing:
// articles, pronouns, prepositions, auxiliaries. A learned slot phrase does
// not extend over one, and a bare answer's residue of only such words
// expresses no intent.
func isFunctionWordEN(w string) bool {
	switch w {
	case "a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "it's", "it", "is", "are", "was",
		"were", "be", "been", "am", "i", "me", "you", "we", "they", "he", "she", "this", "that", "these", "those",
		"that's", "to", "for", "of", "in", "on", "at", "by", "with", "from", "and", "or", "but", "so", "some", "any",
		"one", "ones", "please", "okay", "ok", "well", "just", "yes", "yeah", "sure", "like", "about", "i'm",
		"i'd", "i've", "want", "need", "get", "got", "have", "has", "had", "do", "does", "did", "can", "could",
		"would", "will", "should", "there", "here", "what", "which", "number", "um", "uh", "store", "location",
		"it'd", "thanks", "thank", "then", "also", "too", "down", "up", "out", "new", "same", "different", "other":
		return true
	}
	return false
}

// isDegreeWordEN reports whether w before an adjective makes it a
// judgement rather than a value: "too small", "runs large", "so blue".
func isDegreeWordEN(w string) bool {
	switch w {
	case "too", "so", "very", "bit", "little", "run", "runs", "running", "ran", "kinda", "pretty", "really",
		"quite", "fairly", "slightly", "somewhat", "much", "way", "extremely", "super":
		return true
	}
	return false
}

// monthEN returns the month (1..12) a word names.
func monthEN(w string) int {
	switch w {
	case "january", "jan":
		return 1
	case "february", "feb":
		return 2
	case "march":
		return 3
	case "april", "apr":
		return 4
	case "may":
		return 5
	case "june":
		return 6
	case "july":
		return 7
	case "august", "aug":
		return 8
	case "september", "sept", "sep":
		return 9
	case "october", "oct":
		return 10
	case "november", "nov":
		return 11
	case "december", "dec":
		return 12
	}
	return 0
}

// weekdayEN returns the weekday a word names as 1 (Monday) to 7 (Sunday),
// accepting the plural ("sundays").
func weekdayEN(w string) int {
	switch strings.TrimSuffix(w, "s") {
	case "monday", "mon":
		return 1
	case "tuesday", "tues", "tue":
		return 2
	case "wednesday", "wed":
		return 3
	case "thursday", "thurs", "thu":
		return 4
	case "friday", "fri":
		return 5
	case "saturday", "sat":
		return 6
	case "sunday", "sun":
		return 7
	}
	return 0
}

// ordinalUnitEN returns the value of an ordinal word below twenty or a
// round tens ordinal ("fifth" 5, "twentieth" 20), or of a written ordinal
// ("5th", "21st"), and 0 otherwise.
func ordinalUnitEN(w string) int {
	switch w {
	case "first":
		return 1
	case "second":
		return 2
	case "third":
		return 3
	case "fourth":
		return 4
	case "fifth":
		return 5
	case "sixth":
		return 6
	case "seventh":
		return 7
	case "eighth":
		return 8
	case "ninth":
		return 9
	case "tenth":
		return 10
	case "eleventh":
		return 11
	case "twelfth":
		return 12
	case "thirteenth":
		return 13
	case "fourteenth":
		return 14
	case "fifteenth":
		return 15
	case "sixteenth":
		return 16
	case "seventeenth":
		return 17
	case "eighteenth":
		return 18
	case "nineteenth":
		return 19
	case "twentieth":
		return 20
	case "thirtieth":
		return 30
	}
	if n := len(w); n >= 3 && n <= 6 {
		suf := w[n-2:]
		if (suf == "st" || suf == "nd" || suf == "rd" || suf == "th") && isASCIIDigits(w[:n-2]) {
			v := 0
			for i := 0; i < n-2; i++ {
				v = v*10 + int(w[i]-'0')
			}
			return v
		}
	}
	return 0
}
