// Package lrsched provides learning-rate schedules: pure functions of the
// step, plus the metric-driven Plateau. See Parse for the spec names.
package lrsched
