package main

import "github.com/spf13/cobra"

// subcommands returns the commands of the parley binary.
func subcommands() []*cobra.Command {
	return []*cobra.Command{
		newBenchCmd(),
		newCallCmd(),
		newChatCmd(),
		newKBCmd(),
		newNLUCmd(),
		newSayCmd(),
		newServeCmd(),
		newTranscribeCmd(),
		newVADCmd(),
	}
}
