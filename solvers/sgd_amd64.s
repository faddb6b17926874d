//go:build !purego

#include "go_asm.h"
#include "textflag.h"

// sgdAVX is sgdLoops' non-Nesterov loops (sgd.go), 8 elements per
// iteration, in AVX: the same float32 operations on the same operands in
// the same order, each rounded (no FMA), so the results are the same bits.
// In Go's operand order, VOP a, b, c is c = b op a.
//
// Registers: SI, DI, R8: w, g, buf; AX: byte offset; CX: byte length;
// Y15 wd, Y14 mu, Y13 omd, Y12 nlr; Y0-Y4 scratch.

// LOAD_G: Y0 = g, and g = 0 (the kernels zero the gradient as they read it).
#define LOAD_G \
	VMOVUPS (DI)(AX*1), Y0; \
	VXORPS  Y4, Y4, Y4; \
	VMOVUPS Y4, (DI)(AX*1)

// ADD_WD: Y4 = w, Y0 = g + wd·w.
#define ADD_WD \
	VMOVUPS (SI)(AX*1), Y4; \
	VMULPS  Y4, Y15, Y1; \
	VADDPS  Y1, Y0, Y0

// MOMENTUM: buf = buf·mu + omd·g; Y1 = nlr·buf.
#define MOMENTUM \
	VMULPS  (R8)(AX*1), Y14, Y1; \
	VMULPS  Y0, Y13, Y2; \
	VADDPS  Y2, Y1, Y1; \
	VMOVUPS Y1, (R8)(AX*1); \
	VMULPS  Y1, Y12, Y1

// NEXT jumps to loop while blocks remain.
#define NEXT(loop) \
	ADDQ $32, AX; \
	CMPQ AX, CX; \
	JB   loop

// func sgdAVX(w, g, buf []float32, c *sgd32)
TEXT ·sgdAVX(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), SI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), DI
	MOVQ buf_base+48(FP), R8
	MOVQ c+72(FP), DX
	SHRQ $3, CX
	SHLQ $5, CX // bytes in whole blocks of 8
	JZ   done
	VBROADCASTSS sgd32_wd(DX), Y15
	VBROADCASTSS sgd32_mu(DX), Y14
	VBROADCASTSS sgd32_omd(DX), Y13
	VBROADCASTSS sgd32_nlr(DX), Y12
	XORQ AX, AX
	MOVQ sgd32_mode(DX), BX
	CMPQ BX, $const_sgdMomentumWD
	JEQ  momentumWD
	CMPQ BX, $const_sgdPlain
	JEQ  plain
	CMPQ BX, $const_sgdPlainWD
	JEQ  plainWD

momentum:
	LOAD_G
	MOMENTUM
	VMOVUPS (SI)(AX*1), Y4
	VADDPS  Y1, Y4, Y1     // w + nlr·b
	VMOVUPS Y1, (SI)(AX*1)
	NEXT(momentum)
	JMP end

momentumWD:
	LOAD_G
	ADD_WD
	MOMENTUM
	VADDPS  Y1, Y4, Y1
	VMOVUPS Y1, (SI)(AX*1)
	NEXT(momentumWD)
	JMP end

plain:
	LOAD_G
	VMULPS  Y0, Y12, Y1    // nlr·g
	VMOVUPS (SI)(AX*1), Y4
	VADDPS  Y1, Y4, Y1     // w + nlr·g
	VMOVUPS Y1, (SI)(AX*1)
	NEXT(plain)
	JMP end

plainWD:
	LOAD_G
	ADD_WD
	VMULPS  Y0, Y12, Y1
	VADDPS  Y1, Y4, Y1
	VMOVUPS Y1, (SI)(AX*1)
	NEXT(plainWD)

end:
	VZEROUPPER

done:
	RET
