package main

import (
	"github.com/spf13/cobra"
)

// version is the binary's version; release builds set it with
// -ldflags "-X main.version=...".
var version = "dev"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "parley",
		Short: "Parley: a streaming voice-agent engine for contact centers",
		Long: `Parley answers calls by phone (SIP), browser (WebRTC) or a telephony
provider's media WebSocket, and runs them through voice activity detection,
speech recognition, an agent and speech synthesis, with barge-in.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(subcommands()...)
	return root
}
