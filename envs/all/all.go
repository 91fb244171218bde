// Package all registers every misgen game with the envs registry. Import it
// for its side effect where games are chosen by name:
//
//	import _ "github.com/misgen/misgen/envs/all"
package all

import (
	_ "github.com/misgen/misgen/envs/coinrun"
	_ "github.com/misgen/misgen/envs/colourshape"
	_ "github.com/misgen/misgen/envs/heist"
	_ "github.com/misgen/misgen/envs/maze"
)
