// Package myopt is what a researcher's own package looks like: a solver
// (Signum, sign-SGD with momentum) and a learning-rate schedule
// (WarmupRsqrt) written outside convergo, against its public API only, to
// be compared with the built-in ones by examples/custom.
package myopt
