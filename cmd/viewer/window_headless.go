//go:build headless

package main

import (
	"errors"

	"github.com/misgen/misgen/viz/viewer/app"
)

func runWindow(*app.Args) error {
	return errors.New("viewer: built with -tags headless: only -screenshot and -gif are available; rebuild without the tag for the window")
}
