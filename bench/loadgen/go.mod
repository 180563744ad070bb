module promotionboard/bench/loadgen

go 1.26
