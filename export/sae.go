package export

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// exportSAEs copies every SAE the interp stage saved (interp.SAEPath) into
// saes/, adding its site and the policy it reads to the metadata ("site",
// "policy_seed", "policy"), and writes a check batch for each from the
// exported activations of its site (the first variant's first rows).
func exportSAEs(o Options, caps []captured) ([]SAEEntry, error) {
	out := []SAEEntry{}
	if o.InterpDir == "" {
		return out, nil
	}
	files, err := filepath.Glob(filepath.Join(o.InterpDir, "saes", "*.safetensors"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		e, err := exportSAE(o, f, caps)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

func exportSAE(o Options, path string, caps []captured) (SAEEntry, error) {
	m, info, err := interp.ReadSAEFile(path) // validates names, shapes, config
	if err != nil {
		return SAEEntry{}, err
	}
	defer m.Free()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return SAEEntry{}, err
	}
	site := interp.Site{Layer: info.Layer, PerPosition: info.PerPosition}
	meta := f.Metadata
	meta["site"] = site.String()
	meta["policy_seed"] = strconv.Itoa(o.InterpSeed)
	meta["policy"] = fmt.Sprintf("policies/seed-%d.safetensors", o.InterpSeed)
	e := SAEEntry{File: filepath.Join("saes", filepath.Base(path)), Site: site.String(), Layer: info.Layer, Name: info.Name,
		Kind: string(m.Config.Kind), Objective: info.Objective}
	if err := safetensors.WriteFile(filepath.Join(o.Out, e.File), f.Tensors, meta); err != nil {
		return SAEEntry{}, err
	}
	for _, c := range caps {
		sr, ok := c.sites[e.Site]
		if !ok {
			continue
		}
		e.Check = filepath.Join("check", "sae."+strings.TrimSuffix(filepath.Base(path), ".safetensors")+".safetensors")
		npy := c.variant.Name + "." + sr.info.File + ".npy"
		if err := writeSAECheck(filepath.Join(o.Out, e.Check), m, sr.rows, npy, e.File); err != nil {
			return SAEEntry{}, fmt.Errorf("%s check batch: %w", e.File, err)
		}
		break
	}
	return e, nil
}

// writeSAECheck stores the first rows of a site's exported activations
// (activations/<npy>) with m's codes and reconstructions of them.
func writeSAECheck(path string, m *interp.SAE, acts interp.Matrix, npy, saeFile string) error {
	rows := min(checkSAERows, acts.Rows)
	d := acts.Cols
	if d != m.Config.DIn {
		return fmt.Errorf("%s has %d columns, the SAE reads %d", npy, d, m.Config.DIn)
	}
	in := acts.Data[:rows*d]
	s := torch.NewNoGradScope()
	defer s.Close()
	xHat, z := m.Reconstruct(s, s.FromFloat32(in, int64(rows), int64(d)))
	if err := s.Err(); err != nil {
		return err
	}
	zv, err := z.Float32s()
	if err != nil {
		return err
	}
	xv, err := xHat.Float32s()
	if err != nil {
		return err
	}
	ts := []safetensors.Tensor{
		safetensors.Float32("input", []int{rows, d}, in),
		safetensors.Float32("codes", []int{rows, m.Config.Latents}, zv),
		safetensors.Float32("reconstruction", []int{rows, d}, xv),
	}
	meta := map[string]string{"format": formatCheck, "format_version": strconv.Itoa(FormatVersion), "sae": saeFile,
		"about": fmt.Sprintf("input = the first %d rows of activations/%s; codes and reconstruction computed by misgen", rows, npy)}
	return safetensors.WriteFile(path, ts, meta)
}
