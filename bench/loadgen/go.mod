module int-hubspot/bench/loadgen

go 1.22
