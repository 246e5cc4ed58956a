package nlu

import (
	"strconv"
	"strings"
	"time"
)

// Mandarin entities. Numbers are Chinese numerals or Arabic digits:
// "四八二七一六三" (digits, 幺 and 洞 included), "一百二十五", "两百";
// money "二十五块五" (25.50), "八十九块" (89.00), "十二块零五分" (12.05);
// times "下午三点半" (15:30), "晚上七点十五" (19:15); dates "今天",
// "明天", "下周二" (the tuesday of next week), "十二月三号"; ordinals
// "第三"; phone numbers of 11 digits starting with 1, or 7 to 11 digits
// after 电话 or 手机.

// extractZH runs the Mandarin extractors, most specific first.
func (x *extraction) extractZH() {
	x.findRunsZH()
	x.emailsTyped()
	x.moneyZH()
	x.timesZH()
	x.datesZH()
	x.ordinalsZH()
	x.numbersZH()
	x.yesNo()
}

// findRunsZH records the numeral runs; runs holds them as numRun with no
// groups, from and to only.
func (x *extraction) findRunsZH() {
	for i := 0; i < len(x.toks); {
		if !zhNumeral(x.toks[i]) {
			i++
			continue
		}
		r := scanZhRun(x.toks, i)
		x.runAt[i] = len(x.runs)
		x.runs = append(x.runs, numRun{from: r.from, to: r.to})
		i = r.to
	}
}

// zhRunAt returns the numeral run starting at token i, if no extractor
// took it.
func (x *extraction) zhRunAt(i int) (zhRun, bool) {
	if i < 0 || i >= len(x.runAt) || x.runAt[i] < 0 {
		return zhRun{}, false
	}
	r := x.runs[x.runAt[i]]
	if x.anyTaken(r.from, r.to) {
		return zhRun{}, false
	}
	return scanZhRun(x.toks, r.from), true
}

// emailsTyped records typed e-mail addresses.
func (x *extraction) emailsTyped() {
	for i, t := range x.toks {
		if !x.taken[i] && strings.IndexByte(t.text, '@') >= 0 && validEmail(t.text) {
			x.addValue(EntityEmail, t.text, i, i+1, 0)
		}
	}
}

// tokIs reports whether token i is one of the characters in set.
func (x *extraction) tokIs(i int, set string) bool {
	t := x.tok(i)
	return t != "" && strings.Contains(set, t)
}

// moneyZH finds amounts: "<n>块|元|美元|美金|刀 [<n>毛|角] [<n>分]".
func (x *extraction) moneyZH() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		if x.toks[i].text == "$" && (isASCIIDigits(x.tok(i+1)) || isDecimal(x.tok(i+1))) {
			x.writtenAmount(x.tok(i+1), i, i+2)
			continue
		}
		r, ok := x.zhRunAt(i)
		if !ok {
			continue
		}
		v, ok := r.value(x.toks)
		if !ok {
			continue
		}
		j := r.to
		switch {
		case x.tokIs(j, "块元刀"):
			j++
		case x.tok(j) == "美" && x.tokIs(j+1, "元金"):
			j += 2
		default:
			continue
		}
		if x.tok(j) == "钱" {
			j++
		}
		cents, end := x.zhCents(j)
		x.buf = appendMoney(x.buf[:0], v, cents)
		x.add(EntityMoney, i, end, 0)
		i = end - 1
	}
}

// zhCents reads the part after 块: "五" or "五毛" (50 cents), "五毛二"
// or "五毛二分" (52), "零五分" (5).
func (x *extraction) zhCents(j int) (int, int) {
	zero := x.tok(j) == "零"
	if zero {
		j++
	}
	d, ok := zhDigit(x.tok(j))
	if !ok || !x.toks[j].han {
		return 0, j - boolInt(zero)
	}
	switch {
	case zero && x.tok(j+1) == "分":
		return int(d), j + 2
	case zero:
		return int(d), j + 1
	case x.tokIs(j+1, "毛角"):
		c := int(d) * 10
		if d2, ok := zhDigit(x.tok(j + 2)); ok && x.toks[j+2].han {
			end := j + 3
			if x.tok(end) == "分" {
				end++
			}
			return c + int(d2), end
		}
		return c, j + 2
	case x.tok(j+1) == "分":
		return int(d), j + 2
	}
	return int(d) * 10, j + 1
}

// zhPeriod returns the part of day that ends just before token i
// (下午, 晚上...): -1 morning, +1 afternoon or evening, 0 none, and the
// token where it starts.
func (x *extraction) zhPeriod(i int) (int, int) {
	if i < 2 {
		return 0, i
	}
	switch x.tok(i-2) + x.tok(i-1) {
	case "早上", "上午", "凌晨", "早晨", "清早":
		return -1, i - 2
	case "下午", "晚上", "傍晚", "今晚", "明晚", "夜里":
		return 1, i - 2
	case "中午":
		return 2, i - 2
	}
	return 0, i
}

// timesZH finds times of day: "[下午]<h>点[半|一刻|三刻|<m>[分]]".
func (x *extraction) timesZH() {
	for i := 0; i < len(x.toks); i++ {
		r, ok := x.zhRunAt(i)
		if !ok || !x.tokIs(r.to, "点點时") || x.tok(r.to) == "时" && x.tok(r.to+1) == "间" {
			continue
		}
		h, ok := r.value(x.toks)
		if !ok || h > 24 {
			continue
		}
		end := r.to + 1
		m := int64(0)
		switch {
		case x.tok(end) == "半":
			m, end = 30, end+1
		case x.tok(end+1) == "刻" && x.tokIs(end, "一三"):
			d, _ := zhDigit(x.tok(end))
			m, end = 15*d, end+2
		default:
			if mr, ok := x.zhRunAt(end); ok {
				if mv, ok := mr.value(x.toks); ok && mv < 60 {
					m, end = mv, mr.to
					if x.tok(end) == "分" {
						end++
					}
				}
			}
		}
		if x.tok(end) == "钟" {
			end++
		}
		period, from := x.zhPeriod(i)
		if h < 2 && period == 0 && end == r.to+1 {
			continue // "快一点" is "a bit faster"
		}
		hh := int(h)
		switch {
		case period == 1 && hh < 12, period == 2 && hh < 6:
			hh += 12
		case period == -1 && hh == 12:
			hh = 0
		}
		x.timeEntity(hh%24, int(m), from, end)
		i = end - 1
	}
}

// datesZH finds dates.
func (x *extraction) datesZH() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		two := x.tok(i) + x.tok(i+1)
		switch two {
		case "今天", "今日", "今晚":
			x.dateEntity(x.day(0), i, i+2)
			continue
		case "明天", "明日", "明晚":
			x.dateEntity(x.day(1), i, i+2)
			continue
		case "后天":
			if x.tok(i-1) == "大" && !x.taken[i-1] {
				x.dateEntity(x.day(3), i-1, i+2)
			} else {
				x.dateEntity(x.day(2), i, i+2)
			}
			continue
		case "昨天", "昨日":
			x.dateEntity(x.day(-1), i, i+2)
			continue
		case "前天":
			x.dateEntity(x.day(-2), i, i+2)
			continue
		}
		if x.zhWeekday(i) {
			continue
		}
		x.zhCalendar(i)
	}
}

// zhWeekday reads "[下|这|本|上][个](周|星期|礼拜)<一..日|天>" at token i.
func (x *extraction) zhWeekday(i int) bool {
	j, n := i, 0
	switch {
	case x.tok(j) == "周":
		n = 1
	case x.tok(j) == "星" && x.tok(j+1) == "期", x.tok(j) == "礼" && x.tok(j+1) == "拜":
		n = 2
	default:
		return false
	}
	wd := zhWeekdayChar(x.tok(j + n))
	if wd == 0 {
		return false
	}
	from, rel := i, ""
	k := i - 1
	if x.tok(k) == "个" {
		k--
	}
	if k >= 0 && !x.taken[k] && x.tokIs(k, "下这本上") {
		from, rel = k, x.tok(k)
	}
	today := x.day(0)
	cur := isoWeekday(today)
	var off int
	switch rel {
	case "下":
		off = 7 - cur + wd
	case "上":
		off = wd - cur - 7
	case "这", "本":
		off = wd - cur
	default:
		off = (wd - cur + 7) % 7
	}
	x.dateEntity(today.AddDate(0, 0, off), from, j+n+1)
	return true
}

// zhWeekdayChar returns the weekday (1 Monday .. 7 Sunday) a character
// after 周/星期/礼拜 names.
func zhWeekdayChar(s string) int {
	switch s {
	case "一":
		return 1
	case "二":
		return 2
	case "三":
		return 3
	case "四":
		return 4
	case "五":
		return 5
	case "六":
		return 6
	case "日", "天", "七":
		return 7
	}
	return 0
}

// zhCalendar reads "[<y>年]<m>月<d>(号|日)" or "<d>号" at token i.
func (x *extraction) zhCalendar(i int) {
	r, ok := x.zhRunAt(i)
	if !ok {
		return
	}
	year := 0
	j := r.to
	if x.tok(j) == "年" {
		if v, ok := r.value(x.toks); ok && v >= 1900 && v <= 2100 {
			year = int(v)
		} else {
			return
		}
		if r, ok = x.zhRunAt(j + 1); !ok {
			return
		}
		j = r.to
	}
	if x.tok(j) == "月" {
		m, ok := r.value(x.toks)
		dr, ok2 := x.zhRunAt(j + 1)
		if !ok || !ok2 || m < 1 || m > 12 || !x.tokIs(dr.to, "号日") {
			return
		}
		d, ok := dr.value(x.toks)
		if !ok || d < 1 || d > 31 {
			return
		}
		x.calendarDate(year, int(m), int(d), i, dr.to+1)
		return
	}
	if year != 0 || !x.tokIs(j, "号日") || x.tokIs(i-1, "中大小加第码路街道巷弄") || x.tok(j) == "日" && x.tok(j+1) == "元" {
		return
	}
	d, ok := r.value(x.toks)
	if !ok || d < 1 || d > 31 {
		return
	}
	today := x.day(0)
	for k := 0; k < 12; k++ {
		first := time.Date(today.Year(), today.Month()+time.Month(k), 1, 0, 0, 0, 0, today.Location())
		dd := first.AddDate(0, 0, int(d)-1)
		if dd.Month() == first.Month() && !dd.Before(today) {
			x.dateEntity(dd, i, j+1)
			return
		}
	}
}

// ordinalsZH finds "第<n>".
func (x *extraction) ordinalsZH() {
	for i := 0; i+1 < len(x.toks); i++ {
		if x.tok(i) != "第" || x.taken[i] {
			continue
		}
		r, ok := x.zhRunAt(i + 1)
		if !ok {
			continue
		}
		v, ok := r.value(x.toks)
		if !ok || v <= 0 {
			continue
		}
		x.buf = strconv.AppendInt(x.buf[:0], v, 10)
		x.add(EntityOrdinal, i, r.to, float64(v))
	}
}

// numbersZH turns the numeral runs no other extractor took into phone
// numbers, digit strings and cardinals.
func (x *extraction) numbersZH() {
	for i := 0; i < len(x.toks); i++ {
		r, ok := x.zhRunAt(i)
		if !ok {
			continue
		}
		n := r.numDigits(x.toks)
		ascii := !x.toks[r.from].han
		digits := !r.hasUnit && (n >= 2 && !ascii || ascii && (n >= 5 || n > 1 && x.toks[r.from].text[0] == '0'))
		if digits {
			x.buf = r.appendDigits(x.toks, x.buf[:0])
			if n == 11 && x.buf[0] == '1' || n >= 7 && n <= 11 && x.zhPhoneCue(r.from) {
				x.add(EntityPhone, r.from, r.to, 0)
			} else {
				x.add(EntityDigits, r.from, r.to, 0)
			}
			i = r.to - 1
			continue
		}
		if n == 1 && x.tok(i) == "一" && x.tokIs(r.to, "下些起样直定般切共会") {
			continue // 一下, 一些: words, not quantities
		}
		v, ok := r.value(x.toks)
		if !ok {
			continue
		}
		to, num := r.to, float64(v)
		x.buf = strconv.AppendInt(x.buf[:0], v, 10)
		if x.tok(to) == "点" && !x.taken[to] {
			if fr, ok := x.zhRunAt(to + 1); ok && !fr.hasUnit {
				x.buf = append(x.buf, '.')
				x.buf = fr.appendDigits(x.toks, x.buf)
				num, _ = strconv.ParseFloat(string(x.buf), 64)
				to = fr.to
			}
		}
		x.add(EntityNumber, r.from, to, num)
		i = to - 1
	}
}

// zhPhoneCue reports whether 电话 or 手机 comes shortly before token i.
func (x *extraction) zhPhoneCue(i int) bool {
	for j := i - 1; j >= 1 && j >= i-6; j-- {
		switch x.tok(j-1) + x.tok(j) {
		case "电话", "手机", "座机":
			return true
		}
	}
	return false
}
