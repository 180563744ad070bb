module promotion-board/bench/userapp_load

go 1.26
