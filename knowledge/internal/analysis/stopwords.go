package analysis

// isStopword reports whether w (lowercase, apostrophes removed) is an
// English function word that carries no topic: articles, pronouns,
// auxiliaries, prepositions, question words and the fillers of spoken
// questions ("um", "please", "hi"). Negations are kept out of the list
// on purpose only where they change what an article is about; "not" and
// "no" are dropped because help articles state rules both ways.
func isStopword(w string) bool {
	switch w {
	case "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "arent", "as", "at",
		"be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
		"can", "cant", "cannot", "could", "couldnt",
		"did", "didnt", "do", "does", "doesnt", "doing", "dont", "down", "during",
		"each", "either", "else", "ever", "every",
		"few", "for", "from", "further",
		"get", "gets", "getting", "got", "gonna", "gotta",
		"had", "hadnt", "has", "hasnt", "have", "havent", "having", "he", "hed", "hell", "her", "here", "heres", "hers", "herself", "hes", "hey", "hi", "hello", "him", "himself", "his", "how", "hows",
		"i", "id", "if", "ill", "im", "in", "into", "is", "isnt", "it", "its", "itself", "ive",
		"just", "know", "let", "lets", "like", "ma", "may", "me", "might", "mine", "more", "most", "much", "must", "mustnt", "my", "myself",
		"need", "needs", "no", "nor", "not", "now",
		"of", "off", "oh", "ok", "okay", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
		"please", "same", "shall", "shant", "she", "shed", "shell", "shes", "should", "shouldnt", "so", "some", "such",
		"than", "thank", "thanks", "that", "thats", "the", "their", "theirs", "them", "themselves", "then", "there", "theres", "these", "they", "theyd", "theyll", "theyre", "theyve", "this", "those", "through", "to", "too",
		"uh", "um", "under", "until", "up", "us", "very",
		"wanna", "want", "wanted", "was", "wasnt", "we", "wed", "well", "were", "werent", "weve", "what", "whats", "when", "whens", "where", "wheres", "which", "while", "who", "whom", "whos", "why", "whys", "will", "with", "wont", "would", "wouldnt",
		"yeah", "yes", "you", "youd", "youll", "your", "youre", "yours", "yourself", "yourselves", "youve":
		return true
	}
	return false
}
