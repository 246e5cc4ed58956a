package main

import "github.com/spf13/cobra"

// subcommands returns the commands of the parley binary.
func subcommands() []*cobra.Command {
	return []*cobra.Command{
		newBenchCmd(),
		newChatCmd(),
		newKBCmd(),
		newNLUCmd(),
		newSayCmd(),
		newTranscribeCmd(),
		newVADCmd(),
	}
}
