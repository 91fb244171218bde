package control

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/envs"
)

const (
	coin  envs.Outcome = "coin"
	proxy envs.Outcome = "reached_end_no_coin"
	died  envs.Outcome = "died"
)

// set is a replay set of 2 training seeds × (2 ID + 2 OOD) episodes; the
// OOD episodes of seed 1 ran on other levels than its ID ones.
func set() []Episode {
	return []Episode{
		{ID: true, Variant: "train", TrainSeed: 0, LevelSeed: 100, Outcome: coin, Steps: 40}, // 0
		{ID: true, Variant: "train", TrainSeed: 0, LevelSeed: 101, Outcome: coin, Steps: 50}, // 1
		{Variant: "random_coin", TrainSeed: 0, LevelSeed: 101, Outcome: proxy, Steps: 60},    // 2
		{Variant: "random_coin", TrainSeed: 0, LevelSeed: 100, Outcome: coin, Steps: 20},     // 3
		{ID: true, Variant: "train", TrainSeed: 1, LevelSeed: 100, Outcome: died, Steps: 10}, // 4
		{ID: true, Variant: "train", TrainSeed: 1, LevelSeed: 101, Outcome: coin, Steps: 45}, // 5
		{Variant: "random_coin", TrainSeed: 1, LevelSeed: 200, Outcome: proxy, Steps: 70},    // 6
		{Variant: "random_coin", TrainSeed: 1, LevelSeed: 201, Outcome: proxy, Steps: 65},    // 7
	}
}

var order = []envs.Outcome{coin, proxy, died, "timeout"}

func TestPlayPauseStepSeek(t *testing.T) {
	c := New(set(), order)
	if c.Episode() != 0 || c.Frame() != 0 || c.Playing() {
		t.Fatalf("start: episode %d frame %d playing %v", c.Episode(), c.Frame(), c.Playing())
	}
	c.TogglePlay()
	if !c.Playing() {
		t.Fatal("space does not start playback")
	}
	// 15 frames/s: one second of ticks advances 15 frames.
	for i := 0; i < 60; i++ {
		c.Tick(1.0 / 60)
	}
	if c.Frame() != 15 {
		t.Fatalf("after 1 s at %v fps: frame %d", c.Speed(), c.Frame())
	}
	c.TogglePlay()
	c.Tick(10)
	if c.Playing() || c.Frame() != 15 {
		t.Fatalf("paused but frame %d playing %v", c.Frame(), c.Playing())
	}
	c.StepForward()
	c.StepForward()
	c.StepBack()
	if c.Frame() != 16 {
		t.Fatalf("steps: frame %d, want 16", c.Frame())
	}
	cases := []struct{ seek, want int }{{-5, 0}, {7, 7}, {40, 40}, {41, 40}, {1000, 40}}
	for i, k := range cases {
		c.Seek(k.seek)
		if c.Frame() != k.want {
			t.Errorf("case %d: Seek(%d) → %d, want %d", i, k.seek, c.Frame(), k.want)
		}
	}
	// Playback stops at the end; play again restarts.
	c.Seek(35)
	c.TogglePlay()
	if changed := c.Tick(5); !changed || c.Frame() != 40 || c.Playing() {
		t.Fatalf("end: frame %d playing %v", c.Frame(), c.Playing())
	}
	c.TogglePlay()
	if c.Frame() != 0 || !c.Playing() {
		t.Fatalf("replay from end: frame %d playing %v", c.Frame(), c.Playing())
	}
	c.StepBack()
	if c.Playing() || c.Frame() != 0 {
		t.Fatalf("step back pauses at 0: frame %d playing %v", c.Frame(), c.Playing())
	}
}

// TestAdvance: with SetAdvance, playback rests EndHold seconds on the last
// frame and then plays the next visible episode, wrapping after the last.
func TestAdvance(t *testing.T) {
	type want struct {
		episode, frame int
		playing        bool
	}
	cases := []struct {
		name   string
		filter envs.Outcome
		side   bool
		ticks  []float64 // seconds per Tick, from frame 35 of the first visible episode
		want   want
	}{
		{"reaches the end", "", false, []float64{1}, want{0, 40, true}},
		{"rests at the end", "", false, []float64{1, EndHold / 2}, want{0, 40, true}},
		{"then the next episode", "", false, []float64{1, EndHold / 2, EndHold / 2}, want{1, 0, true}},
		{"and plays it", "", false, []float64{1, EndHold, 1}, want{1, 15, true}},
		{"one long tick does not skip the rest", "", false, []float64{100}, want{0, 40, true}},
		// Filter proxy: episodes 2, 6, 7.
		{"filtered", proxy, false, []float64{2, EndHold}, want{6, 0, true}},
		// Filter died: episode 4 (10 steps) alone, restarting itself.
		{"one episode", died, false, []float64{1, EndHold}, want{4, 0, true}},
		// Side by side, the end is the longer episode's: 4 beside 6 (70).
		{"side by side", died, true, []float64{1}, want{4, 50, true}},
	}
	for _, k := range cases {
		c := New(set(), order)
		if k.filter != "" {
			c.SetFilter(k.filter)
		}
		if k.side {
			c.ToggleSideBySide()
		}
		c.SetAdvance(true)
		c.Seek(35)
		c.TogglePlay()
		for _, dt := range k.ticks {
			c.Tick(dt)
		}
		if got := (want{c.Episode(), c.Frame(), c.Playing()}); got != k.want {
			t.Errorf("%s: %+v, want %+v", k.name, got, k.want)
		}
	}
	// The last visible episode wraps around to the first.
	c := New(set(), order)
	c.SetFilter(proxy)
	c.SetAdvance(true)
	c.PrevEpisode() // episode 7
	c.Seek(c.Last())
	c.TogglePlay() // at the end: restarts from 0
	c.Seek(c.Last())
	if c.Tick(EndHold); c.Episode() != 2 || c.Frame() != 0 || !c.Playing() {
		t.Errorf("wrap: episode %d frame %d playing %v, want 2 0 true", c.Episode(), c.Frame(), c.Playing())
	}
	// Without SetAdvance, playback pauses at the end (New's default).
	c = New(set(), order)
	c.Seek(35)
	c.TogglePlay()
	c.Tick(1)
	c.Tick(EndHold)
	if c.Advance() || c.Episode() != 0 || c.Playing() {
		t.Errorf("default: episode %d playing %v", c.Episode(), c.Playing())
	}
}

func TestSpeed(t *testing.T) {
	c := New(set(), order)
	for i := 0; i < 20; i++ {
		c.SpeedUp()
	}
	if c.Speed() != Speeds[len(Speeds)-1] {
		t.Fatalf("max speed %v", c.Speed())
	}
	for i := 0; i < 20; i++ {
		c.SpeedDown()
	}
	if c.Speed() != Speeds[0] {
		t.Fatalf("min speed %v", c.Speed())
	}
	// Property: at any speed, ticks totalling T seconds advance
	// floor(T·speed) frames (below the end).
	r := rand.New(rand.NewPCG(3, 4))
	for k := range Speeds {
		c := New([]Episode{{Steps: 100000}}, nil)
		for i := 0; i < k; i++ {
			c.SpeedUp()
		}
		for c.Speed() > Speeds[k] {
			c.SpeedDown()
		}
		c.TogglePlay()
		total := 0.0
		for i := 0; i < 200; i++ {
			dt := r.Float64() / 30
			total += dt
			c.Tick(dt)
		}
		want := int(total*c.Speed() + 1e-9)
		if d := c.Frame() - want; d < -1 || d > 0 {
			t.Errorf("speed %v: %d frames after %.3f s, want %d", c.Speed(), c.Frame(), total, want)
		}
	}
}

func TestEpisodesAndFilter(t *testing.T) {
	c := New(set(), order)
	if got, want := c.Filters(), []envs.Outcome{"", coin, proxy, died}; !slices.Equal(got, want) {
		t.Fatalf("filters %v, want %v", got, want)
	}
	c.Seek(10)
	c.NextEpisode()
	if c.Episode() != 1 || c.Frame() != 0 {
		t.Fatalf("next: episode %d frame %d", c.Episode(), c.Frame())
	}
	c.PrevEpisode()
	c.PrevEpisode() // wraps
	if c.Episode() != 7 {
		t.Fatalf("prev wrap: episode %d", c.Episode())
	}
	// Filter to the proxy outcome: only its episodes, cycling among them.
	if !c.SetFilter(proxy) {
		t.Fatal("SetFilter(proxy) refused")
	}
	if c.Episode() != 7 || c.Visible() != 3 {
		t.Fatalf("proxy filter keeps the shown proxy episode: episode %d of %d", c.Episode(), c.Visible())
	}
	var seen []int
	for i := 0; i < 3; i++ {
		c.NextEpisode()
		seen = append(seen, c.Episode())
	}
	if !slices.Equal(seen, []int{2, 6, 7}) {
		t.Fatalf("proxy episodes visited %v", seen)
	}
	// Cycling: proxy → died (episode 7 hidden: first died episode, frame 0).
	c.Seek(5)
	c.CycleFilter()
	if c.Filter() != died || c.Episode() != 4 || c.Frame() != 0 {
		t.Fatalf("cycle to died: filter %q episode %d frame %d", c.Filter(), c.Episode(), c.Frame())
	}
	c.CycleFilter()
	if c.Filter() != "" || c.Episode() != 4 || c.Visible() != 8 {
		t.Fatalf("cycle to all: filter %q episode %d visible %d", c.Filter(), c.Episode(), c.Visible())
	}
	if c.SetFilter("timeout") || c.Filter() != "" {
		t.Fatalf("absent outcome accepted: filter %q", c.Filter())
	}
	empty := New(nil, order)
	empty.TogglePlay()
	empty.NextEpisode()
	empty.CycleFilter()
	if empty.Episode() != -1 || empty.Playing() || empty.Last() != 0 {
		t.Fatalf("empty set: episode %d playing %v", empty.Episode(), empty.Playing())
	}
}

func TestSideBySidePairing(t *testing.T) {
	c := New(set(), order)
	if c.Partner() != -1 {
		t.Fatal("partner shown with side-by-side off")
	}
	c.ToggleSideBySide()
	// Same training seed, other side, same level when there is one; else
	// the OOD episode of equal rank.
	want := []int{3, 2, 1, 0, 6, 7, 4, 5}
	for i := range want {
		if c.Episode() != i {
			t.Fatalf("episode order: at %d want %d", c.Episode(), i)
		}
		if c.Partner() != want[i] {
			t.Errorf("episode %d: partner %d, want %d", i, c.Partner(), want[i])
		}
		c.NextEpisode()
	}
	// Side by side the timeline spans the longer episode and the shorter
	// one holds its last frame.
	c.SetFilter(proxy) // shows episode 2 (60 steps), partner 1 (50 steps)
	if c.Episode() != 2 || c.Last() != 60 {
		t.Fatalf("episode %d last %d", c.Episode(), c.Last())
	}
	c.Seek(55)
	if c.Frame() != 55 || c.PartnerFrame() != 50 {
		t.Fatalf("frame %d partner frame %d", c.Frame(), c.PartnerFrame())
	}
	// Leaving side-by-side on the shorter episode clamps the frame.
	c.SetFilter(coin) // episode 0 (40 steps) with partner 3 (20)
	c.Seek(40)
	c.NextEpisode() // episode 1 (50) with partner 2 (60)
	c.Seek(58)
	c.ToggleSideBySide()
	if c.Frame() != 50 {
		t.Fatalf("frame %d after leaving side-by-side, want 50", c.Frame())
	}
	lone := New([]Episode{{ID: true, Steps: 5}}, nil)
	lone.ToggleSideBySide()
	if lone.Partner() != -1 || lone.Last() != 5 {
		t.Fatalf("episode without partner: %d", lone.Partner())
	}
}
