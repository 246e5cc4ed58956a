package vad

import "math"

// likelihood returns the mean per-bin log likelihood ratio of speech against
// noise and fills e.excess with the power above the noise estimate.
//
// A bin's ratio is gamma·g - log(1+xi), capped at llrCap. The logarithms of
// the bins that cannot reach the cap (gamma·g <= llrCap) are summed as the
// logarithm of their product, one math.Log per frame instead of one
// math.Log1p per bin; the product is folded into the sum before it could
// overflow (a factor is at most about 1e16). Loud bins over a quiet noise
// estimate are capped without a logarithm when a bound shows they reach the
// cap.
func (e *Energy) likelihood(band []float64) float64 {
	var sum float64
	prod := 1.0
	for k, p := range band {
		lam := max(e.noise[k], powFloor)
		gamma := p / lam
		xi := max(ddAlpha*e.prevG2G[k]+(1-ddAlpha)*max(gamma-1, 0), xiMin)
		g := xi / (1 + xi)
		if gg := gamma * g; gg > llrCap {
			// log(1+xi) <= sqrt(xi): when even gg - sqrt(xi) reaches
			// the cap, so does the ratio, with no logarithm.
			if gg-math.Sqrt(xi) >= llrCap {
				sum += llrCap
			} else {
				sum += min(gg-math.Log1p(xi), llrCap)
			}
		} else {
			sum += gg
			prod *= 1 + xi
			if prod > 1e250 {
				sum -= math.Log(prod)
				prod = 1
			}
		}
		e.prevG2G[k] = g * g * gamma
		e.excess[k] = max(p-lam, 0)
	}
	return (sum - math.Log(prod)) / bandBins
}

// updateNoise advances the per-bin noise estimate: a recursive average in
// non-speech frames (falling fast, rising slowly), bounded by the windowed
// minimum of the smoothed spectrum.
func (e *Energy) updateNoise(band []float64, speech, stationary bool) {
	e.subCount++
	rotate := e.subCount == subFrames
	e.frames++
	if e.frames < startupFrames {
		// Learning the line's noise: average the first frames.
		w := 1 / float64(e.frames+1)
		for k, p := range band {
			p = max(p, powFloor)
			e.noise[k] = (1-w)*e.noise[k] + w*p
			e.smooth[k] = smoothPow*e.smooth[k] + (1-smoothPow)*p
			e.curMin[k] = min(e.curMin[k], e.smooth[k])
		}
		if rotate {
			e.rotateMinima()
		}
		if e.frames == startupFrames-1 {
			// Seed the minimum search with the learnt noise (the minimum of
			// a smoothed noise spectrum sits about 3 dB under its mean).
			for k := range e.noise {
				m := e.noise[k] / 2
				e.curMin[k], e.winMin[k] = m, m
				for u := range e.subMin {
					e.subMin[u][k] = m
				}
			}
		}
		return
	}
	for k, p := range band {
		p = max(p, powFloor)
		s := smoothPow*e.smooth[k] + (1-smoothPow)*p
		e.smooth[k] = s
		e.curMin[k] = min(e.curMin[k], s)
		lam := e.noise[k]
		switch {
		case stationary:
			lam = statAdapt*lam + (1-statAdapt)*p
		case p < lam:
			lam = noiseFall*lam + (1-noiseFall)*p
		case !speech:
			lam = noiseRise*lam + (1-noiseRise)*p
		}
		m := min(e.winMin[k], e.curMin[k])
		if stationary {
			e.noise[k] = max(lam, minBiasLo*m)
			continue
		}
		e.noise[k] = min(max(lam, minBiasLo*m), minBiasHi*m)
	}
	if rotate {
		e.rotateMinima()
	}
}

// rotateMinima closes the current minimum-search sub-window.
func (e *Energy) rotateMinima() {
	e.subMin[e.subIdx] = e.curMin
	e.subIdx = (e.subIdx + 1) % subWins
	e.subCount = 0
	e.winMin = e.subMin[0]
	for u := 1; u < subWins; u++ {
		for k := range e.winMin {
			e.winMin[k] = min(e.winMin[k], e.subMin[u][k])
		}
	}
	e.curMin = e.smooth
}
