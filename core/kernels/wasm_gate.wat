;; The SwiGLU gate product silu(g) * u = (g * s) * u, s = sigmoid(g), and its gradient, for
;; tfjs-backend-wasm (core/kernels/wasm_gate.ts runs them; `deno task build-wasm` assembles this file into
;; the bytes there, and a test checks that they match).
;;
;; The module imports tfjs's own WebAssembly.Memory: the arguments are byte offsets of tensors on its
;; heap, so nothing is copied in or out. Both functions work on `rows` rows of `w` floats: g's and u's
;; rows start every `stride` bytes (one tensor each: rows = 1; a packed [.., 2w] product: u = g + 4w,
;; stride = 8w), the output's (and dy's) rows are contiguous. Four lanes at a time with WebAssembly SIMD,
;; then the row's tail one float at a time.
;;
;; Bit-identical to tfjs's composed ops: the sigmoid is the algorithm of tfjs-wasm's own Sigmoid kernel
;; (XNNPACK's rr2-p5-div: exp(-|x|) from a degree-5 polynomial after a two-constant range reduction,
;; e / (1 + e), reflected for x >= 0), with its constants and operation order, and the products and
;; sums are those of the composed ops and their gradients in the same order (wasm has no fused
;; multiply-add; every product rounds). A test compares every bit.
;;
;; The four-lane sigmoid is written out inside each loop, with its constants in locals set before the
;; loop: V8 does not inline a wasm call, and a call per four floats (or constants rematerialised in the
;; loop) took 1.7-2.1 ns per element of the gate, against 1.2 ns inline (tfjs's Sigmoid alone: 1.0).
(module
  (import "env" "memory" (memory 0))

  ;; sigmoid of one float: tfjs-wasm's Sigmoid (XNNPACK's rr2-p5-div). With z = |x|, exp(-z) = 2^-k e^-r
  ;; for k = round(z log2 e) (the magic-bias trick puts k in the low bits, shifted into an exponent) and
  ;; r = z - k ln2 (ln2 in two parts), e^-r by a degree-5 polynomial; then f = e / (1 + e), which is
  ;; sigmoid(-z), 0 past the denormal cut-off, and 1 - f for x >= 0 (sign bit clear).
  (func $sig1 (param $x f32) (result f32)
    (local $z f32) (local $n f32) (local $s f32) (local $t f32) (local $p f32) (local $e f32) (local $f f32)
    (local.set $z (f32.abs (local.get $x)))
    (local.set $n (f32.add (f32.const 0x1.8000FEp23) (f32.mul (local.get $z) (f32.const -0x1.715476p+0))))
    (local.set $s (f32.reinterpret_i32 (i32.shl (i32.reinterpret_f32 (local.get $n)) (i32.const 23))))
    (local.set $n (f32.sub (local.get $n) (f32.const 0x1.8000FEp23)))
    (local.set $t (f32.add (local.get $z) (f32.mul (local.get $n) (f32.const 0x1.62E400p-1))))
    (local.set $t (f32.add (local.get $t) (f32.mul (local.get $n) (f32.const 0x1.7F7D1Cp-20))))
    (local.set $p (f32.add (f32.const 0x1.573A1Ap-5) (f32.mul (local.get $t) (f32.const -0x1.0F9F9Cp-7))))
    (local.set $p (f32.add (f32.const -0x1.555A80p-3) (f32.mul (local.get $t) (local.get $p))))
    (local.set $p (f32.add (f32.const 0x1.FFFDC6p-2) (f32.mul (local.get $t) (local.get $p))))
    (local.set $p (f32.add (f32.const -0x1.FFFFF6p-1) (f32.mul (local.get $t) (local.get $p))))
    (local.set $t (f32.mul (local.get $t) (local.get $s)))
    (local.set $e (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $p))))
    (local.set $f (f32.div (local.get $e) (f32.add (local.get $e) (f32.const 1))))
    (if (f32.gt (local.get $z) (f32.const 0x1.5D589Ep+6)) (then (local.set $f (f32.const 0))))
    (select (local.get $f) (f32.sub (f32.const 1) (local.get $f))
      (i32.lt_s (i32.reinterpret_f32 (local.get $x)) (i32.const 0))))

  ;; out = (g * s) * u, rows x w floats.
  (func (export "gate")
    (param $g i32) (param $u i32) (param $out i32) (param $rows i32) (param $w i32) (param $stride i32)
    (local $r i32) (local $i i32) (local $vec i32) (local $end i32) (local $G v128) (local $S v128) (local $g1 f32)
    (local $z v128) (local $n v128) (local $s v128) (local $t v128) (local $p v128) (local $e v128)
    (local $Kmagic v128)    (local $Kml2e v128)    (local $Kln2hi v128)    (local $Kln2lo v128)
    (local $Kc5 v128)    (local $Kc4 v128)    (local $Kc3 v128)    (local $Kc2 v128)
    (local $Kc1 v128)    (local $Kone v128)    (local $Kcut v128)
    (local.set $Kmagic (v128.const f32x4 0x1.8000FEp23 0x1.8000FEp23 0x1.8000FEp23 0x1.8000FEp23))
    (local.set $Kml2e (v128.const f32x4 -0x1.715476p+0 -0x1.715476p+0 -0x1.715476p+0 -0x1.715476p+0))
    (local.set $Kln2hi (v128.const f32x4 0x1.62E400p-1 0x1.62E400p-1 0x1.62E400p-1 0x1.62E400p-1))
    (local.set $Kln2lo (v128.const f32x4 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20))
    (local.set $Kc5 (v128.const f32x4 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7))
    (local.set $Kc4 (v128.const f32x4 0x1.573A1Ap-5 0x1.573A1Ap-5 0x1.573A1Ap-5 0x1.573A1Ap-5))
    (local.set $Kc3 (v128.const f32x4 -0x1.555A80p-3 -0x1.555A80p-3 -0x1.555A80p-3 -0x1.555A80p-3))
    (local.set $Kc2 (v128.const f32x4 0x1.FFFDC6p-2 0x1.FFFDC6p-2 0x1.FFFDC6p-2 0x1.FFFDC6p-2))
    (local.set $Kc1 (v128.const f32x4 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1))
    (local.set $Kone (v128.const f32x4 1 1 1 1))
    (local.set $Kcut (v128.const f32x4 0x1.5D589Ep+6 0x1.5D589Ep+6 0x1.5D589Ep+6 0x1.5D589Ep+6))
    (local.set $vec (i32.shl (i32.and (local.get $w) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $w) (i32.const 2)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
            (local.set $G (v128.load (i32.add (local.get $g) (local.get $i))))
            ;; $S = sigmoid($G), as $sig1 lane by lane (inline, see the top).
            (local.set $z (f32x4.abs (local.get $G)))
            (local.set $n (f32x4.add (local.get $Kmagic) (f32x4.mul (local.get $z) (local.get $Kml2e))))
            (local.set $s (i32x4.shl (local.get $n) (i32.const 23)))
            (local.set $n (f32x4.sub (local.get $n) (local.get $Kmagic)))
            (local.set $t (f32x4.add (local.get $z) (f32x4.mul (local.get $n) (local.get $Kln2hi))))
            (local.set $t (f32x4.add (local.get $t) (f32x4.mul (local.get $n) (local.get $Kln2lo))))
            (local.set $p (f32x4.add (local.get $Kc4) (f32x4.mul (local.get $t) (local.get $Kc5))))
            (local.set $p (f32x4.add (local.get $Kc3) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.add (local.get $Kc2) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.add (local.get $Kc1) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $t (f32x4.mul (local.get $t) (local.get $s)))
            (local.set $e (f32x4.add (local.get $s) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.div (local.get $e) (f32x4.add (local.get $e) (local.get $Kone))))
            (local.set $p (v128.andnot (local.get $p) (f32x4.gt (local.get $z) (local.get $Kcut))))
            (local.set $S (v128.bitselect (local.get $p) (f32x4.sub (local.get $Kone) (local.get $p))
              (i32x4.shr_s (local.get $G) (i32.const 31))))
            (v128.store (i32.add (local.get $out) (local.get $i))
              (f32x4.mul (f32x4.mul (local.get $G) (local.get $S))
                (v128.load (i32.add (local.get $u) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $g1 (f32.load (i32.add (local.get $g) (local.get $i))))
            (f32.store (i32.add (local.get $out) (local.get $i))
              (f32.mul (f32.mul (local.get $g1) (call $sig1 (local.get $g1)))
                (f32.load (i32.add (local.get $u) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (local.set $g (i32.add (local.get $g) (local.get $stride)))
        (local.set $u (i32.add (local.get $u) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; The gradient for the output gradient dy, as tfjs's tape composes it: t = dy * u (mul's gradient),
  ;; dg = t * s + (t * g) * (s * (1 - s)) (mul's, then sigmoid's), du = dy * (g * s). dg's and du's rows
  ;; are laid out as g's and u's (same `stride`), dy's as the output's.
  (func (export "gate_grad")
    (param $g i32) (param $u i32) (param $dy i32) (param $dg i32) (param $du i32)
    (param $rows i32) (param $w i32) (param $stride i32)
    (local $r i32) (local $i i32) (local $vec i32) (local $end i32)
    (local $G v128) (local $S v128) (local $D v128) (local $T v128)
    (local $g1 f32) (local $s1 f32) (local $d1 f32) (local $t1 f32)
    (local $z v128) (local $n v128) (local $s v128) (local $t v128) (local $p v128) (local $e v128)
    (local $Kmagic v128)    (local $Kml2e v128)    (local $Kln2hi v128)    (local $Kln2lo v128)
    (local $Kc5 v128)    (local $Kc4 v128)    (local $Kc3 v128)    (local $Kc2 v128)
    (local $Kc1 v128)    (local $Kone v128)    (local $Kcut v128)
    (local.set $Kmagic (v128.const f32x4 0x1.8000FEp23 0x1.8000FEp23 0x1.8000FEp23 0x1.8000FEp23))
    (local.set $Kml2e (v128.const f32x4 -0x1.715476p+0 -0x1.715476p+0 -0x1.715476p+0 -0x1.715476p+0))
    (local.set $Kln2hi (v128.const f32x4 0x1.62E400p-1 0x1.62E400p-1 0x1.62E400p-1 0x1.62E400p-1))
    (local.set $Kln2lo (v128.const f32x4 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20 0x1.7F7D1Cp-20))
    (local.set $Kc5 (v128.const f32x4 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7 -0x1.0F9F9Cp-7))
    (local.set $Kc4 (v128.const f32x4 0x1.573A1Ap-5 0x1.573A1Ap-5 0x1.573A1Ap-5 0x1.573A1Ap-5))
    (local.set $Kc3 (v128.const f32x4 -0x1.555A80p-3 -0x1.555A80p-3 -0x1.555A80p-3 -0x1.555A80p-3))
    (local.set $Kc2 (v128.const f32x4 0x1.FFFDC6p-2 0x1.FFFDC6p-2 0x1.FFFDC6p-2 0x1.FFFDC6p-2))
    (local.set $Kc1 (v128.const f32x4 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1 -0x1.FFFFF6p-1))
    (local.set $Kone (v128.const f32x4 1 1 1 1))
    (local.set $Kcut (v128.const f32x4 0x1.5D589Ep+6 0x1.5D589Ep+6 0x1.5D589Ep+6 0x1.5D589Ep+6))
    (local.set $vec (i32.shl (i32.and (local.get $w) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $w) (i32.const 2)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
            (local.set $G (v128.load (i32.add (local.get $g) (local.get $i))))
            ;; $S = sigmoid($G), as $sig1 lane by lane (inline, see the top).
            (local.set $z (f32x4.abs (local.get $G)))
            (local.set $n (f32x4.add (local.get $Kmagic) (f32x4.mul (local.get $z) (local.get $Kml2e))))
            (local.set $s (i32x4.shl (local.get $n) (i32.const 23)))
            (local.set $n (f32x4.sub (local.get $n) (local.get $Kmagic)))
            (local.set $t (f32x4.add (local.get $z) (f32x4.mul (local.get $n) (local.get $Kln2hi))))
            (local.set $t (f32x4.add (local.get $t) (f32x4.mul (local.get $n) (local.get $Kln2lo))))
            (local.set $p (f32x4.add (local.get $Kc4) (f32x4.mul (local.get $t) (local.get $Kc5))))
            (local.set $p (f32x4.add (local.get $Kc3) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.add (local.get $Kc2) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.add (local.get $Kc1) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $t (f32x4.mul (local.get $t) (local.get $s)))
            (local.set $e (f32x4.add (local.get $s) (f32x4.mul (local.get $t) (local.get $p))))
            (local.set $p (f32x4.div (local.get $e) (f32x4.add (local.get $e) (local.get $Kone))))
            (local.set $p (v128.andnot (local.get $p) (f32x4.gt (local.get $z) (local.get $Kcut))))
            (local.set $S (v128.bitselect (local.get $p) (f32x4.sub (local.get $Kone) (local.get $p))
              (i32x4.shr_s (local.get $G) (i32.const 31))))
            (local.set $D (v128.load (i32.add (local.get $dy) (local.get $i))))
            (local.set $T (f32x4.mul (local.get $D) (v128.load (i32.add (local.get $u) (local.get $i)))))
            (v128.store (i32.add (local.get $dg) (local.get $i))
              (f32x4.add
                (f32x4.mul (local.get $T) (local.get $S))
                (f32x4.mul
                  (f32x4.mul (local.get $T) (local.get $G))
                  (f32x4.mul (local.get $S) (f32x4.sub (local.get $Kone) (local.get $S))))))
            (v128.store (i32.add (local.get $du) (local.get $i))
              (f32x4.mul (local.get $D) (f32x4.mul (local.get $G) (local.get $S))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $g1 (f32.load (i32.add (local.get $g) (local.get $i))))
            (local.set $s1 (call $sig1 (local.get $g1)))
            (local.set $d1 (f32.load (i32.add (local.get $dy) (local.get $i))))
            (local.set $t1 (f32.mul (local.get $d1) (f32.load (i32.add (local.get $u) (local.get $i)))))
            (f32.store (i32.add (local.get $dg) (local.get $i))
              (f32.add
                (f32.mul (local.get $t1) (local.get $s1))
                (f32.mul
                  (f32.mul (local.get $t1) (local.get $g1))
                  (f32.mul (local.get $s1) (f32.sub (f32.const 1) (local.get $s1))))))
            (f32.store (i32.add (local.get $du) (local.get $i))
              (f32.mul (local.get $d1) (f32.mul (local.get $g1) (local.get $s1))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (local.set $g (i32.add (local.get $g) (local.get $stride)))
        (local.set $u (i32.add (local.get $u) (local.get $stride)))
        (local.set $dg (i32.add (local.get $dg) (local.get $stride)))
        (local.set $du (i32.add (local.get $du) (local.get $stride)))
        (local.set $dy (i32.add (local.get $dy) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
