module github.com/tonearm/tonearm/extsdk

go 1.26.0
