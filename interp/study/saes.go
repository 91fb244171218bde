package study

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// trainedSAE is one SAE of a site's sweep with its held-out scores.
type trainedSAE struct {
	res schema.SAEResult
	m   *interp.SAE
}

// sweep trains and scores every SAE of the settings at a site. The caller
// frees the SAEs.
type sweep struct {
	model  interp.ModelFunc
	freeze []torch.Named // policy parameters kept out of autograd in e2e training
	o      *Options
	d      *siteData
	out    []trainedSAE
}

// run trains, for every dictionary size and target L0, a local SAE on the
// training episodes' rows and, with EndToEnd, an end-to-end SAE on the
// training episodes' observations; every SAE is scored on the held-out
// episodes only.
func (w *sweep) run() error {
	s := w.o.SAE
	trainRows := w.d.rows(w.d.train)
	for i, size := range s.Sizes {
		for _, l0 := range s.L0 {
			if l0 > size {
				continue
			}
			seed := w.o.Seed + uint64(1000*i+l0)
			local, err := w.fit("local", size, l0, seed, func(m *interp.SAE, steps int) error {
				_, err := interp.Train(m, trainRows, w.localOptions(steps, seed))
				return err
			})
			if err != nil {
				return err
			}
			w.out = append(w.out, local)
			if !s.EndToEnd {
				continue
			}
			trainObs := w.e2eObservations()
			e2e, err := w.fit("e2e", size, l0, seed, func(m *interp.SAE, steps int) error {
				_, err := interp.TrainE2E(m, w.model, w.d.site, trainObs, interp.E2EOptions{Steps: steps,
					BatchSize: min(s.BatchSize, 256), LR: s.LearningRate, Seed: seed, Freeze: w.freeze})
				return err
			})
			if err != nil {
				return err
			}
			w.out = append(w.out, e2e)
		}
	}
	return nil
}

// e2eObservations are the observations end-to-end SAEs train on: those of
// the training episodes only, never a held-out one.
func (w *sweep) e2eObservations() interp.Observations { return w.d.observations(w.d.train) }

func (w *sweep) localOptions(steps int, seed uint64) interp.TrainOptions {
	revival := interp.AuxK
	if w.o.SAE.Kind == interp.ReLUL1 {
		revival = interp.Resample
	}
	return interp.TrainOptions{Steps: steps, BatchSize: w.o.SAE.BatchSize, LR: w.o.SAE.LearningRate, Seed: seed, Revival: revival}
}

// fit builds and trains one SAE of size latents at target L0 (k for TopK;
// for ReLU+L1 the L1 coefficient is first tuned with short runs so the L0
// on the training rows lands near the target), then scores it on the
// held-out episodes.
func (w *sweep) fit(training string, size, l0 int, seed uint64, train func(*interp.SAE, int) error) (trainedSAE, error) {
	s := w.o.SAE
	cfg := interp.SAEConfig{Kind: s.Kind, DIn: w.d.acts.Cols, Latents: size, K: l0, L1: s.L1}
	center := w.d.rows(w.d.train).ColMeans()
	if s.Kind == interp.ReLUL1 {
		cfg.K = 0
		trainRows := w.d.rows(w.d.train) // tuning never looks at held-out rows
		l1, _, err := interp.TuneL1(func(l1 float64) (float64, error) {
			c := cfg
			c.L1 = l1
			m, err := interp.NewSAE(c, center, seed)
			if err != nil {
				return 0, err
			}
			defer m.Free()
			if err := train(m, max(1, s.Steps/4)); err != nil {
				return 0, err
			}
			mt, err := interp.Evaluate(m, trainRows)
			return mt.L0, err
		}, float64(l0), s.L1, 6)
		if err != nil {
			return trainedSAE{}, err
		}
		cfg.L1 = l1
	}
	m, err := interp.NewSAE(cfg, center, seed)
	if err != nil {
		return trainedSAE{}, err
	}
	if err := train(m, s.Steps); err != nil {
		m.Free()
		return trainedSAE{}, fmt.Errorf("%s SAE %d latents, L0 %d: %w", training, size, l0, err)
	}
	t := trainedSAE{m: m, res: schema.SAEResult{Training: training, Kind: string(s.Kind), Latents: size, TargetL0: float64(l0)}}
	t.res.Name = fmt.Sprintf("%s-%d-L0%d", training, size, l0)
	if s.Kind == interp.TopK {
		t.res.K = l0
	} else {
		t.res.L1 = cfg.L1
	}
	if err := w.score(&t); err != nil {
		m.Free()
		return trainedSAE{}, err
	}
	info := interp.SAEFileInfo{Layer: w.d.site.Layer, PerPosition: w.d.site.PerPosition, Name: t.res.Name, Objective: training, Metrics: &t.res}
	if err := m.WriteFile(interp.SAEPath(w.o.OutDir, schema.SiteFileName(w.d.site.String()), t.res.Name), info); err != nil {
		m.Free()
		return trainedSAE{}, err
	}
	w.o.Log("interp: %s: SAE %s: L0 %.1f, FVU %.3f, KL %.4f", w.d.site, t.res.Name, t.res.L0, t.res.FVU, t.res.KL)
	return t, nil
}

// score measures t on the held-out episodes: reconstruction, downstream
// KL and description length.
func (w *sweep) score(t *trainedSAE) error {
	held := w.d.rows(w.d.held)
	mt, err := interp.Evaluate(t.m, held)
	if err != nil {
		return err
	}
	codes, err := interp.Codes(t.m, held)
	if err != nil {
		return err
	}
	mdl, err := interp.DescriptionLength(t.m, codes, w.model, w.d.site, w.d.observations(w.d.held), interp.MDLOptions{Tolerance: w.o.MDLTolerance})
	if err != nil {
		return err
	}
	r := &t.res
	r.L0, r.MSE, r.FVU, r.Alive, r.DeadFraction = mt.L0, mt.MSE, mt.FVU, mt.Alive, mt.DeadFraction
	r.KL, r.MDL = mdl.KL, mdl
	return nil
}

// chooseMDL returns the index of the SAE with the smallest description
// length within the tolerance, or −1 with the reason when none is.
func chooseMDL(saes []trainedSAE) (int, string) {
	var rs []schema.MDLResult
	for _, t := range saes {
		rs = append(rs, t.res.MDL)
	}
	if best := interp.BestMDL(rs); best >= 0 {
		return best, ""
	}
	least := 0
	for i, t := range saes {
		if t.res.KL < saes[least].res.KL {
			least = i
		}
	}
	return -1, fmt.Sprintf("no SAE keeps the downstream KL within the tolerance (smallest: %s, KL %.4f nats)", saes[least].res.Name, saes[least].res.KL)
}
