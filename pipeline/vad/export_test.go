package vad

// FindModelForTest exposes findTestModel to the external test package.
func FindModelForTest() (path string, tried []string) { return findTestModel() }
