module github.com/parley-voice/parley

go 1.26.0

require (
	github.com/hraban/opus v0.0.0-20230925203106-0188a62cb302
	github.com/k2-fsa/sherpa-onnx-go-linux v1.12.20
	github.com/sashabaranov/go-openai v1.43.0
	github.com/spf13/cobra v1.10.2
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.24.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
