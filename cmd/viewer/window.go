//go:build !headless

package main

import (
	"github.com/misgen/misgen/viz/viewer"
	"github.com/misgen/misgen/viz/viewer/app"
)

func runWindow(a *app.Args) error { return viewer.Run(a) }
