//go:build !headless

package main

import (
	"github.com/misgen/misgen/viz/viewer"
	"github.com/misgen/misgen/viz/viewer/app"
	"github.com/misgen/misgen/viz/viewer/policy"
)

func runWindow(a *app.Args) error { return viewer.Run(a, policy.Loader(a.Seed, a.Greedy)) }
