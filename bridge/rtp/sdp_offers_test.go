package rtp

// Offers as real phones, PBXs and carriers write them (addresses changed
// to documentation ranges). They feed TestAnswerOffers and the seed corpus
// of FuzzAnswer.
const (
	offerLinphone = "v=0\r\n" +
		"o=alice 2785 1385 IN IP4 192.0.2.20\r\n" +
		"s=Talk\r\n" +
		"c=IN IP4 192.0.2.20\r\n" +
		"t=0 0\r\n" +
		"a=ice-pwd:31ec21eb38b2ec6d36e8dc7b\r\n" +
		"a=ice-ufrag:0c8f7a2b\r\n" +
		"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n" +
		"a=record:off\r\n" +
		"m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n" +
		"a=rtpmap:96 opus/48000/2\r\n" +
		"a=fmtp:96 useinbandfec=1\r\n" +
		"a=rtpmap:97 SILK/16000\r\n" +
		"a=rtpmap:98 speex/16000\r\n" +
		"a=fmtp:98 vbr=on\r\n" +
		"a=rtpmap:18 G729/8000\r\n" +
		"a=fmtp:18 annexb=yes\r\n" +
		"a=rtpmap:101 telephone-event/48000\r\n" +
		"a=rtpmap:99 telephone-event/16000\r\n" +
		"a=rtpmap:100 telephone-event/8000\r\n" +
		"a=rtcp:7079\r\n" +
		"a=candidate:1 1 UDP 2130706431 192.0.2.20 7078 typ host\r\n" +
		"a=candidate:1 2 UDP 2130706430 192.0.2.20 7079 typ host\r\n" +
		"a=rtcp-fb:* trr-int 1000\r\n" +
		"a=rtcp-fb:* ccm tmmbr\r\n" +
		"m=video 9078 RTP/AVP 96 97\r\n" +
		"a=rtpmap:96 VP8/90000\r\n" +
		"a=rtpmap:97 H264/90000\r\n" +
		"a=fmtp:97 profile-level-id=42801F\r\n" +
		"a=rtcp-fb:* ccm fir\r\n"

	offerBaresip = "v=0\r\n" +
		"o=- 1713275329 2346402562 IN IP4 10.0.0.5\r\n" +
		"s=-\r\n" +
		"c=IN IP4 10.0.0.5\r\n" +
		"t=0 0\r\n" +
		"m=audio 10100 RTP/AVP 9 0 8 101\r\n" +
		"b=AS:64\r\n" +
		"a=rtpmap:9 G722/8000\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-15\r\n" +
		"a=sendrecv\r\n" +
		"a=label:1\r\n" +
		"a=ssrc:1536253627 cname:2c4d8a8b-1ab5-4d1f-9b9c-0b1e3f0c9f11\r\n" +
		"a=rtcp-rsize\r\n" +
		"a=ptime:20\r\n"

	offerAsterisk = "v=0\r\n" +
		"o=- 1669813498 1669813498 IN IP4 203.0.113.10\r\n" +
		"s=Asterisk\r\n" +
		"c=IN IP4 203.0.113.10\r\n" +
		"t=0 0\r\n" +
		"m=audio 17290 RTP/AVP 8 0 9 3 101\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:9 G722/8000\r\n" +
		"a=rtpmap:3 GSM/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n" +
		"a=ptime:20\r\n" +
		"a=maxptime:150\r\n" +
		"a=sendrecv\r\n"

	offerTwilio = "v=0\r\n" +
		"o=root 1190429431 1190429431 IN IP4 198.51.100.60\r\n" +
		"s=Twilio Media Gateway\r\n" +
		"c=IN IP4 198.51.100.60\r\n" +
		"t=0 0\r\n" +
		"m=audio 15086 RTP/AVP 0 101\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n" +
		"a=ptime:20\r\n" +
		"a=maxptime:150\r\n" +
		"a=sendrecv\r\n"

	// A softphone on IPv6 with best-effort SRTP (a=crypto on RTP/AVP).
	offerIPv6 = "v=0\r\n" +
		"o=- 3918261 3918261 IN IP6 2001:db8::15\r\n" +
		"s=call\r\n" +
		"c=IN IP6 2001:db8::15\r\n" +
		"t=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0 101\r\n" +
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n"

	// SRTP only: no plain RTP stream to take.
	offerSRTP = "v=0\r\n" +
		"o=- 1 1 IN IP4 192.0.2.7\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.7\r\n" +
		"t=0 0\r\n" +
		"m=audio 5004 RTP/SAVP 0\r\n" +
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"

	// A WebRTC offer (DTLS-SRTP) sent to a SIP trunk by mistake.
	offerWebRTC = "v=0\r\n" +
		"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
		"s=-\r\n" +
		"t=0 0\r\n" +
		"a=group:BUNDLE 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n" +
		"c=IN IP4 0.0.0.0\r\n" +
		"a=rtpmap:111 opus/48000/2\r\n" +
		"a=fingerprint:sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0\r\n" +
		"a=setup:actpass\r\n" +
		"a=mid:0\r\n" +
		"a=rtcp-mux\r\n"

	// The first audio stream is disabled, a fax stream follows, and the
	// usable audio stream has only a media-level c= and a dynamic type
	// without rtpmap; the lines use LF only and come out of order.
	offerMixed = "v=0\n" +
		"o=pbx 77 78 IN IP4 192.0.2.99\n" +
		"s=-\n" +
		"t=0 0\n" +
		"m=audio 0 RTP/AVP 0\n" +
		"m=image 0 udptl t38\n" +
		"a=T38FaxVersion:0\n" +
		"m=audio 6000 RTP/AVP 96 8 101\n" +
		"a=rtpmap:101 telephone-event/8000\n" +
		"c=IN IP4 192.0.2.100\n" +
		"a=rtcp:6005 IN IP4 192.0.2.101\n" +
		"a=ptime:40\n"

	// An RFC 2543 hold (c=0.0.0.0).
	offerOldHold = "v=0\r\n" +
		"o=- 5 6 IN IP4 192.0.2.30\r\n" +
		"s=-\r\n" +
		"c=IN IP4 0.0.0.0\r\n" +
		"t=0 0\r\n" +
		"m=audio 7000 RTP/AVP 0\r\n"

	// Nothing Parley decodes.
	offerG729 = "v=0\r\n" +
		"o=- 1 1 IN IP4 192.0.2.40\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.40\r\n" +
		"t=0 0\r\n" +
		"m=audio 8000 RTP/AVP 18 96\r\n" +
		"a=rtpmap:18 G729/8000\r\n" +
		"a=rtpmap:96 iLBC/8000\r\n"

	// Session-level sendonly: the far end holds the call.
	offerSendOnly = "v=0\r\n" +
		"o=- 9 10 IN IP4 192.0.2.50\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.50\r\n" +
		"t=0 0\r\n" +
		"a=sendonly\r\n" +
		"m=audio 9000 RTP/AVP 0 101\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n"

	// Only a video stream.
	offerVideo = "v=0\r\n" +
		"o=- 1 1 IN IP4 192.0.2.60\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.60\r\n" +
		"t=0 0\r\n" +
		"m=video 9000 RTP/AVP 96\r\n" +
		"a=rtpmap:96 VP8/90000\r\n"
)
