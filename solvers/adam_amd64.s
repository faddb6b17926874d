//go:build !purego

#include "go_asm.h"
#include "textflag.h"

// adamAVX is adamLoop32 (adam.go), 8 elements per iteration, in AVX:
// the same float32 operations on the same operands in the same order,
// each rounded (no FMA), so the results are the same bits. Go's flush and
// sqTerm branches become compare masks: VCMPPS gives all ones where
// |x| < limit, VANDNPS clears those lanes to +0, the value the Go code
// returns. sqTerm clears g before squaring it, so no subnormal product is
// ever computed (the point of flushing).
//
// In Go's operand order, VOP a, b, c is c = b op a.

DATA absMask32<>+0(SB)/4, $0x7fffffff
GLOBL absMask32<>(SB), RODATA|NOPTR, $4

// Registers:
//	SI, DI, R8, R9: w, g, m, v; AX: byte offset; CX: byte length
//	Y15 0x7fffffff (|x|), Y14 ftz, Y13 tiny, Y12 b1, Y11 omb1, Y10 b2,
//	Y9 omb2, Y8 rbc2, Y7 negStep, Y6 eps, Y5 wd or decay; Y0-Y4 scratch.

// ADAM_CORE: from the gradient in Y0, updates m and v in memory and leaves
// the step negStep·m/denom in Y1. Y4 is not touched.
#define ADAM_CORE \
	VMULPS  (R8)(AX*1), Y12, Y1 /* m·b1 */; \
	VMULPS  Y0, Y11, Y2 /* omb1·g */; \
	VADDPS  Y2, Y1, Y1 /* m·b1 + omb1·g */; \
	VANDPS  Y15, Y1, Y2; \
	VCMPPS  $0x11, Y14, Y2, Y2 /* |m| < ftz (LT_OQ: false for NaN, as Go's <) */; \
	VANDNPS Y1, Y2, Y1 /* flush(m) */; \
	VMOVUPS Y1, (R8)(AX*1); \
	VANDPS  Y15, Y0, Y2; \
	VCMPPS  $0x11, Y13, Y2, Y2 /* |g| < tiny */; \
	VANDNPS Y0, Y2, Y2 /* g, or +0 where sqTerm returns 0 */; \
	VMULPS  Y2, Y9, Y3 /* omb2·g */; \
	VMULPS  Y2, Y3, Y3 /* omb2·g·g */; \
	VMULPS  (R9)(AX*1), Y10, Y2 /* v·b2 */; \
	VADDPS  Y3, Y2, Y2 /* v·b2 + sqTerm */; \
	VANDPS  Y15, Y2, Y3; \
	VCMPPS  $0x11, Y14, Y3, Y3; \
	VANDNPS Y2, Y3, Y2 /* flush(v) */; \
	VMOVUPS Y2, (R9)(AX*1); \
	VSQRTPS Y2, Y2 /* √v, correctly rounded as float32(math.Sqrt(float64(v))) */; \
	VMULPS  Y8, Y2, Y2 /* √v·rbc2 */; \
	VADDPS  Y6, Y2, Y2 /* denom = √v·rbc2 + eps */; \
	VMULPS  Y1, Y7, Y1 /* negStep·m */; \
	VDIVPS  Y2, Y1, Y1 /* negStep·m/denom */

// LOAD_G: Y0 = g, and g = 0 (the kernels zero the gradient as they read it).
#define LOAD_G \
	VMOVUPS (DI)(AX*1), Y0; \
	VXORPS  Y4, Y4, Y4; \
	VMOVUPS Y4, (DI)(AX*1)

// func adamAVX(w, g, m, v []float32, c *adam32)
TEXT ·adamAVX(SB), NOSPLIT, $0-104
	MOVQ w_base+0(FP), SI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), DI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), DX
	SHRQ $3, CX
	SHLQ $5, CX // bytes in whole blocks of 8
	JZ   done
	VBROADCASTSS absMask32<>(SB), Y15
	VBROADCASTSS adam32_ftz(DX), Y14
	VBROADCASTSS adam32_tiny(DX), Y13
	VBROADCASTSS adam32_b1(DX), Y12
	VBROADCASTSS adam32_omb1(DX), Y11
	VBROADCASTSS adam32_b2(DX), Y10
	VBROADCASTSS adam32_omb2(DX), Y9
	VBROADCASTSS adam32_rbc2(DX), Y8
	VBROADCASTSS adam32_negStep(DX), Y7
	VBROADCASTSS adam32_eps(DX), Y6
	XORQ AX, AX
	MOVQ adam32_mode(DX), BX
	CMPQ BX, $const_adamCoupled
	JEQ  coupled
	CMPQ BX, $const_adamDecoupled
	JEQ  decoupled

plain:
	LOAD_G
	ADAM_CORE
	VMOVUPS (SI)(AX*1), Y4
	VADDPS  Y1, Y4, Y1 // w + step
	VMOVUPS Y1, (SI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JB      plain
	JMP     end

coupled:
	VBROADCASTSS adam32_wd(DX), Y5

coupledLoop:
	LOAD_G
	VMOVUPS (SI)(AX*1), Y4
	VMULPS  Y4, Y5, Y1 // wd·w
	VADDPS  Y1, Y0, Y0 // g + wd·w
	ADAM_CORE
	VADDPS  Y1, Y4, Y1 // w + step
	VMOVUPS Y1, (SI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JB      coupledLoop
	JMP     end

decoupled:
	VBROADCASTSS adam32_decay(DX), Y5

decoupledLoop:
	LOAD_G
	VMULPS  (SI)(AX*1), Y5, Y4 // w·decay
	ADAM_CORE
	VADDPS  Y1, Y4, Y1 // w·decay + step
	VMOVUPS Y1, (SI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JB      decoupledLoop

end:
	VZEROUPPER

done:
	RET
