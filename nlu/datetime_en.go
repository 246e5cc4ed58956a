package nlu

import "time"

// Dates and times of day in English.
//
// Dates, as ISO dates relative to the parse time:
//
//	"today", "tonight", "tomorrow", "yesterday", "the day after tomorrow"
//	"tuesday", "this tuesday", "on sundays"   the next one, today included
//	"next tuesday"                            the tuesday of next week
//	                                          (weeks start on monday)
//	"last tuesday"                            the latest one before today
//	"december third", "december 3rd 2026", "the third of december",
//	"the fifth" (after on/by/until..., or ending the utterance)
//	                                          the next such day, today included
//
// Times, as 24-hour "15:04":
//
//	"noon", "midnight", "half past six pm", "quarter to five",
//	"ten past seven in the evening", "six thirty a m", "five o'clock",
//	"eighteen thirty", "eighteen hundred hours", "at seven" (7:00)

// timesEN finds the times of day.
func (x *extraction) timesEN() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		switch x.toks[i].text {
		case "noon", "midday":
			x.timeEntity(12, 0, i, i+1)
		case "midnight":
			x.timeEntity(0, 0, i, i+1)
		case "half", "quarter":
			m := 30
			if x.toks[i].text == "quarter" {
				m = 15
			}
			x.pastTo(m, i, i+1)
		default:
			if r, ok := x.runStarting(i); ok {
				x.clockTime(r)
			}
		}
	}
}

// pastTo reads "<minutes> past|to <hour>" where the minutes span tokens
// [from, next).
func (x *extraction) pastTo(m, from, next int) bool {
	j := next
	if x.tok(j) == "minutes" || x.tok(j) == "minute" {
		j++
	}
	dir := 0
	switch x.tok(j) {
	case "past", "after":
		dir = 1
	case "to", "till", "of", "before":
		dir = -1
	}
	if dir == 0 || m <= 0 || m > 30 {
		return false
	}
	r, ok := x.runStarting(j + 1)
	if !ok {
		return false
	}
	h, half, ok := r.cardinal()
	if !ok || half || h < 1 || h > 12 {
		return false
	}
	pm, n, _ := x.timeSuffix(r.to)
	hh, mm := int(h), m
	if dir < 0 {
		hh, mm = (hh+11)%12, 60-m
		if hh == 0 {
			hh = 12
		}
	}
	x.timeEntity(applyMeridiem(hh, pm), mm, from, r.to+n)
	return true
}

// clockTime reads a time that starts with the number run r.
func (x *extraction) clockTime(r numRun) {
	pm, n, marked := x.timeSuffix(r.to)
	cued := x.timeCueBefore(r.from)
	g := r.groups
	switch {
	case len(g) == 1:
		v, half, _ := r.cardinal()
		if half {
			return
		}
		if m := int(v); m > 0 && m <= 30 && x.pastTo(m, r.from, r.to) {
			return
		}
		switch {
		case g[0].kind == gScaled && v%100 == 0 && v/100 <= 23 && v >= 100 && (x.tok(r.to) == "hours" || cued):
			end := r.to
			if x.tok(end) == "hours" {
				end++
			}
			x.timeEntity(int(v/100), 0, r.from, end)
		case v >= 1 && v <= 12 && marked:
			x.timeEntity(applyMeridiem(int(v), pm), 0, r.from, r.to+n)
		case v >= 1 && v <= 12 && cued && endsClause(x.tok(r.to)):
			x.timeEntity(applyMeridiem(int(v), pm), 0, r.from, r.to+n)
		}
	case len(g) == 2 || len(g) == 3 && g[1].kind == gDigit && g[1].value == 0 && g[2].kind == gDigit:
		h, m := g[0], g[len(g)-1]
		if h.kind == gArabic || h.kind == gRepeat || m.kind == gArabic || h.value > 23 || m.value > 59 {
			return
		}
		if len(g) == 2 && m.value < 10 {
			return // "six five" is not 6:05
		}
		if !(marked || cued || h.value >= 13) {
			return
		}
		x.timeEntity(applyMeridiem(int(h.value), pm), int(m.value), r.from, r.to+n)
	}
}

// timeSuffix reads what may follow the hour: am/pm in its spellings,
// o'clock, "in the morning", "in the evening", "at night", "tonight". It
// returns -1 for a morning, +1 for an afternoon or evening, 0 for neither,
// the tokens it read and whether it read a time marker at all. "tonight"
// sets the evening without being read: it is a date of its own.
func (x *extraction) timeSuffix(i int) (pm, n int, marked bool) {
	switch t := x.tok(i); t {
	case "am", "a.m":
		return -1, 1, true
	case "pm", "p.m":
		return 1, 1, true
	case "a", "p":
		if x.tok(i+1) == "m" {
			if t == "a" {
				return -1, 2, true
			}
			return 1, 2, true
		}
	case "o'clock", "oclock":
		p, m, _ := x.timeSuffix(i + 1)
		return p, 1 + m, true
	case "o":
		if x.tok(i+1) == "clock" {
			p, m, _ := x.timeSuffix(i + 2)
			return p, 2 + m, true
		}
	case "in":
		if x.tok(i+1) == "the" {
			switch x.tok(i + 2) {
			case "morning":
				return -1, 3, true
			case "afternoon", "evening":
				return 1, 3, true
			}
		}
	case "at":
		if x.tok(i+1) == "night" {
			return 1, 2, true
		}
	case "tonight":
		return 1, 0, true
	case "this":
		if x.tok(i+1) == "evening" || x.tok(i+1) == "afternoon" {
			return 1, 0, true
		}
		if x.tok(i+1) == "morning" {
			return -1, 0, true
		}
	}
	return 0, 0, false
}

// timeCueBefore reports whether the word before token i introduces a time.
func (x *extraction) timeCueBefore(i int) bool {
	switch x.tok(i - 1) {
	case "at", "around", "by", "until", "till", "before", "after", "from", "between":
		return true
	}
	return false
}

// applyMeridiem turns a 12-hour hour into a 24-hour one.
func applyMeridiem(h, pm int) int {
	switch {
	case pm > 0 && h < 12:
		return h + 12
	case pm < 0 && h == 12:
		return 0
	}
	return h
}

// timeEntity records hh:mm over tokens [from, to).
func (x *extraction) timeEntity(h, m, from, to int) {
	x.buf = append(x.buf[:0], byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
	x.add(EntityTime, from, to, 0)
}

// datesEN finds the dates.
func (x *extraction) datesEN() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		t := x.toks[i].text
		switch {
		case t == "today" || t == "tonight":
			x.dateEntity(x.day(0), i, i+1)
		case t == "tomorrow":
			x.dateEntity(x.day(1), i, i+1)
		case t == "yesterday":
			x.dateEntity(x.day(-1), i, i+1)
		case t == "day" && (x.tok(i+1) == "after" && x.tok(i+2) == "tomorrow" || x.tok(i+1) == "before" && x.tok(i+2) == "yesterday"):
			off := 2
			if x.tok(i+1) == "before" {
				off = -2
			}
			from := i
			if x.tok(i-1) == "the" && !x.taken[i-1] {
				from = i - 1
			}
			x.dateEntity(x.day(off), from, i+3)
		case weekdayEN(t) > 0 && len(t) > 3:
			x.weekdayDate(i, weekdayEN(t))
		case monthEN(t) > 0:
			x.monthDate(i, monthEN(t))
		case t == "the":
			x.ordinalDate(i)
		}
	}
}

// weekdayDate reads "[this|next|last|coming] <weekday>" at token i.
func (x *extraction) weekdayDate(i, wd int) {
	from, rel := i, ""
	if p := x.tok(i - 1); (p == "next" || p == "last" || p == "this" || p == "coming") && !x.taken[i-1] {
		from, rel = i-1, p
	}
	today := x.day(0)
	cur := isoWeekday(today)
	var off int
	switch rel {
	case "next":
		off = 7 - cur + wd
	case "last":
		off = -((cur-wd+7)%7 + 7*boolInt(cur == wd))
	default:
		off = (wd - cur + 7) % 7
	}
	x.dateEntity(today.AddDate(0, 0, off), from, i+1)
}

// monthDate reads "<month> <day> [<year>]" at token i.
func (x *extraction) monthDate(i, month int) {
	j := i + 1
	if x.tok(j) == "the" {
		j++
	}
	day, next := x.dayAt(j)
	if day == 0 {
		return
	}
	year, end := x.yearAt(next)
	x.calendarDate(year, month, day, i, end)
}

// ordinalDate reads "the <ordinal> [of <month> [<year>]]" at token i.
func (x *extraction) ordinalDate(i int) {
	day, next := x.ordinalAt(i + 1)
	if day == 0 || day > 31 {
		return
	}
	if x.tok(next) == "of" && monthEN(x.tok(next+1)) > 0 && !x.taken[next+1] {
		year, end := x.yearAt(next + 2)
		x.calendarDate(year, monthEN(x.tok(next+1)), day, i, end)
		return
	}
	switch x.tok(i - 1) {
	case "on", "by", "until", "till", "before", "after", "for", "from", "since", "through":
	default:
		if next < len(x.toks) {
			return // "the second one" is not a date
		}
	}
	today := x.day(0)
	for k := 0; k < 12; k++ {
		first := time.Date(today.Year(), today.Month()+time.Month(k), 1, 0, 0, 0, 0, today.Location())
		d := first.AddDate(0, 0, day-1)
		if d.Month() == first.Month() && !d.Before(today) {
			x.dateEntity(d, i, next)
			return
		}
	}
}

// calendarDate records month/day (and year, when not 0) over tokens
// [from, to); without a year it is the next such day, today included.
func (x *extraction) calendarDate(year, month, day, from, to int) {
	today := x.day(0)
	y := year
	if y == 0 {
		y = today.Year()
	}
	d := time.Date(y, time.Month(month), day, 0, 0, 0, 0, today.Location())
	if d.Day() != day {
		return // February 30
	}
	if year == 0 && d.Before(today) {
		d = time.Date(y+1, time.Month(month), day, 0, 0, 0, 0, today.Location())
		if d.Day() != day {
			return
		}
	}
	x.dateEntity(d, from, to)
}

// dayAt reads a day of the month at token j: an ordinal ("third", "21st")
// or a number from 1 to 31.
func (x *extraction) dayAt(j int) (int, int) {
	if d, next := x.ordinalAt(j); d > 0 && d <= 31 {
		return d, next
	}
	r, ok := x.runStarting(j)
	if !ok || len(r.groups) != 1 {
		return 0, j
	}
	v, half, _ := r.cardinal()
	if half || v < 1 || v > 31 {
		return 0, j
	}
	return int(v), r.to
}

// ordinalAt reads an ordinal at token j: "fifth", "twenty first", "21st".
func (x *extraction) ordinalAt(j int) (int, int) {
	if j >= len(x.toks) || x.taken[j] {
		return 0, j
	}
	if v := ordinalUnitEN(x.toks[j].text); v > 0 {
		return v, j + 1
	}
	k, tens := numberWord(x.toks[j].text)
	if k == nwTens && j+1 < len(x.toks) && !x.taken[j+1] {
		if u := ordinalUnitEN(x.toks[j+1].text); u > 0 && u < 10 {
			return int(tens) + u, j + 2
		}
	}
	return 0, j
}

// yearAt reads a year at token j: "2026", "two thousand twenty six",
// "twenty twenty six", "twenty oh five". It returns 0 and j when there is
// none.
func (x *extraction) yearAt(j int) (int, int) {
	r, ok := x.runStarting(j)
	if !ok {
		return 0, j
	}
	g := r.groups
	y := int64(0)
	switch {
	case len(g) == 1:
		y = g[0].value
	case len(g) == 2 && g[0].value >= 19 && g[0].value <= 21 && g[1].value < 100 && g[1].value >= 10:
		y = g[0].value*100 + g[1].value
	case len(g) == 3 && g[0].value >= 19 && g[0].value <= 21 && g[1].kind == gDigit && g[1].value == 0 && g[2].kind == gDigit:
		y = g[0].value*100 + g[2].value
	}
	if y < 1900 || y > 2100 {
		return 0, j
	}
	return int(y), r.to
}

// day returns the parse date moved by off days, at midnight in the parse
// time's location.
func (x *extraction) day(off int) time.Time {
	y, m, d := x.now.Date()
	return time.Date(y, m, d+off, 0, 0, 0, 0, x.now.Location())
}

// isoWeekday returns 1 (Monday) to 7 (Sunday).
func isoWeekday(t time.Time) int {
	wd := int(t.Weekday())
	if wd == 0 {
		return 7
	}
	return wd
}

// dateEntity records d over tokens [from, to).
func (x *extraction) dateEntity(d time.Time, from, to int) {
	x.buf = d.AppendFormat(x.buf[:0], "2006-01-02")
	x.add(EntityDate, from, to, 0)
}

// ordinalsEN records the ordinals no date took.
func (x *extraction) ordinalsEN() {
	for i := 0; i < len(x.toks); i++ {
		v, next := x.ordinalAt(i)
		if v == 0 {
			continue
		}
		if x.toks[i].text == "second" && (x.tok(i-1) == "a" || x.tok(i-1) == "one" || x.tok(i-1) == "just" || x.tok(i-1) == "per") {
			continue // "one second" is a wait
		}
		x.buf = formatNumber(x.buf[:0], int64(v), false)
		x.add(EntityOrdinal, i, next, float64(v))
		i = next - 1
	}
}
