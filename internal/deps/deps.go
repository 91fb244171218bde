package deps
import (
 _ "github.com/BurntSushi/toml"
 _ "gonum.org/v1/gonum/mat"
 _ "gonum.org/v1/plot"
 _ "github.com/hajimehoshi/ebiten/v2"
 _ "github.com/chromedp/chromedp"
)
