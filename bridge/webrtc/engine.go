package webrtc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	pion "github.com/pion/webrtc/v4"
)

// opusCodec is Opus as every browser offers it (RFC 7587): a 48 kHz RTP
// clock and two declared channels whatever is actually sent. The payload
// type registered with it is only a preference: an answer uses the
// numbers of the offer.
func opusCodec() pion.RTPCodecCapability {
	return pion.RTPCodecCapability{
		MimeType: pion.MimeTypeOpus, ClockRate: opusClockRate, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}
}

// dtmfCodec is RFC 4733 telephone-event on Opus's clock, which browsers
// offer next to Opus.
func dtmfCodec() pion.RTPCodecCapability {
	return pion.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: opusClockRate, SDPFmtpLine: "0-15"}
}

// mimeTelephoneEvent is the MIME type of RFC 4733 events.
const mimeTelephoneEvent = "audio/telephone-event"

// opusClockRate is Opus's RTP clock (RFC 7587 section 4.1).
const opusClockRate = 48000

// newAPI builds the pion API shared by all calls: Opus and
// telephone-event only, RTCP sender and receiver reports, the configured
// candidates, ports and ICE timeouts, and pion's logs routed to log.
func newAPI(cfg Config, log *slog.Logger) (*pion.API, error) {
	m := &pion.MediaEngine{}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: opusCodec(), PayloadType: 111}, pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register Opus: %w", err)
	}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: dtmfCodec(), PayloadType: 110}, pion.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtc: register telephone-event: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := pion.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("webrtc: RTCP reports: %w", err)
	}
	se, err := settingEngine(cfg, log)
	if err != nil {
		return nil, err
	}
	return pion.NewAPI(pion.WithMediaEngine(m), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(reg)), nil
}

// settingEngine turns the configuration into pion settings.
func settingEngine(cfg Config, log *slog.Logger) (pion.SettingEngine, error) {
	var se pion.SettingEngine
	se.LoggerFactory = pionLoggers{log: log.WithGroup("pion")}
	if err := se.SetEphemeralUDPPortRange(uint16(cfg.UDPPortMin), uint16(cfg.UDPPortMax)); err != nil {
		return se, fmt.Errorf("%w: webrtc.udp_port_min/udp_port_max: %w", ErrInvalidConfig, err)
	}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4, pion.NetworkTypeUDP6})
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	// Browsers reveal their addresses once the microphone is allowed,
	// and hidden (mDNS) candidates are learnt as peer-reflexive from the
	// browser's checks: resolving .local names would only cost a
	// multicast socket per call.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	disconnected := min(cfg.ICETimeout/2, 5*time.Second)
	se.SetICETimeouts(disconnected, cfg.ICETimeout-disconnected, min(2*time.Second, disconnected/2))
	se.SetSTUNGatherTimeout(cfg.GatherTimeout)
	if len(cfg.LocalIPs) > 0 {
		keep := make([]net.IP, 0, len(cfg.LocalIPs))
		for _, s := range cfg.LocalIPs {
			keep = append(keep, net.ParseIP(s))
		}
		se.SetIPFilter(func(ip net.IP) bool {
			for _, k := range keep {
				if k.Equal(ip) {
					return true
				}
			}
			return false
		})
	}
	if len(cfg.PublicIPs) > 0 {
		rule := pion.ICEAddressRewriteRule{
			External: cfg.PublicIPs, AsCandidateType: pion.ICECandidateTypeHost, Mode: pion.ICEAddressRewriteAppend,
		}
		if err := se.SetICEAddressRewriteRules(rule); err != nil {
			return se, fmt.Errorf("%w: webrtc.public_ips: %w", ErrInvalidConfig, err)
		}
	}
	return se, nil
}

// iceServers returns the configured STUN servers as pion ICE servers.
func iceServers(cfg Config) []pion.ICEServer {
	if len(cfg.STUNServers) == 0 {
		return nil
	}
	return []pion.ICEServer{{URLs: cfg.STUNServers}}
}

// pionLoggers routes pion's leveled logs to slog: errors as errors,
// warnings as info (pion warns about routine events, such as packets for
// a stream that is closing at the end of every call), info and below as
// debug (pion reports every state change at info).
type pionLoggers struct{ log *slog.Logger }

// NewLogger implements logging.LoggerFactory.
func (f pionLoggers) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("scope", scope)}
}

// pionLogger is one scope's logging.LeveledLogger.
type pionLogger struct{ log *slog.Logger }

// logf formats and logs when level is enabled.
func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	l.log.Log(context.Background(), level, msg)
}

// Trace implements logging.LeveledLogger.
func (l pionLogger) Trace(msg string) { l.logf(slog.LevelDebug-4, "%s", msg) }

// Tracef implements logging.LeveledLogger.
func (l pionLogger) Tracef(format string, args ...any) { l.logf(slog.LevelDebug-4, format, args...) }

// Debug implements logging.LeveledLogger.
func (l pionLogger) Debug(msg string) { l.logf(slog.LevelDebug-2, "%s", msg) }

// Debugf implements logging.LeveledLogger.
func (l pionLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug-2, format, args...) }

// Info implements logging.LeveledLogger.
func (l pionLogger) Info(msg string) { l.logf(slog.LevelDebug, "%s", msg) }

// Infof implements logging.LeveledLogger.
func (l pionLogger) Infof(format string, args ...any) { l.logf(slog.LevelDebug, format, args...) }

// Warn implements logging.LeveledLogger.
func (l pionLogger) Warn(msg string) { l.logf(slog.LevelInfo, "%s", msg) }

// Warnf implements logging.LeveledLogger.
func (l pionLogger) Warnf(format string, args ...any) { l.logf(slog.LevelInfo, format, args...) }

// Error implements logging.LeveledLogger.
func (l pionLogger) Error(msg string) { l.logf(slog.LevelError, "%s", msg) }

// Errorf implements logging.LeveledLogger.
func (l pionLogger) Errorf(format string, args ...any) { l.logf(slog.LevelError, format, args...) }
