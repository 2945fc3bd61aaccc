// Package extsdk helps write Tonearm extensions in Go. An extension is a
// program the server starts in a sandbox. It talks JSON-RPC 2.0 with the
// server over its standard input and output, one message per line.
//
// Serve runs that conversation. It replies to the server's initialize
// handshake and serves a Backend's browse, search, lookup and playback
// calls for the URI schemes the manifest declares. It passes events to
// OnEvent, and lets the extension call core methods (Extension.Call),
// publish its own events (Extension.Publish) and log (Extension.Log).
// The extension gets no environment variables, no files but those its
// manifest lists, and no network but the declared TCP ports.
//
//	func main() {
//		err := extsdk.Serve(context.Background(), extsdk.Options{
//			Root:    &extsdk.Ref{URI: "hello:", Name: "Hello", Type: extsdk.RefDirectory},
//			Backend: myBackend{},
//		})
//		if err != nil {
//			os.Exit(1)
//		}
//	}
//
// Standard output carries the protocol: write diagnostics to standard
// error or through Extension.Log, never with fmt.Println.
package extsdk
