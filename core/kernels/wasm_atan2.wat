;; atan2(y, x) of two float32 tensors of one shape, for tfjs-backend-wasm (core/kernels/wasm_atan2.ts runs
;; it as the wasm backend's `Atan2` kernel; `deno task build-wasm` assembles this file into the bytes there,
;; and a test checks that they match). AdamATan2 calls it on every weight at every step: tfjs-wasm's own
;; kernel is musl's scalar atan2f, ~14 ns per element (4% of a Sudoku-MLP step at batch 8).
;;
;; Bit-identical to tfjs-wasm's kernel: the same algorithm as musl's atan2f/atanf (fdlibm: atan(|y/x|) by
;; an argument reduction to one of five intervals, atan(t) = hi - ((t s - lo) - t) with a degree-11 odd
;; polynomial split in two, then the quadrant), each lane computing every interval's value with the same
;; float operations and keeping its own with a select. Lanes holding a NaN or an infinity, or x = 1
;; exactly (musl's shortcut there differs for |y| >= 2^26), take the scalar port `$atan2_1`, as does the
;; tail. A test compares every bit, special values included.
(module
  (import "env" "memory" (memory 0))

  ;; musl's atanf.
  (func $atanf (param $x f32) (result f32)
    (local $ix i32) (local $sign i32) (local $id i32) (local $z f32) (local $w f32) (local $s1 f32)
    (local $s2 f32) (local $hi f32) (local $lo f32)
    (local.set $ix (i32.reinterpret_f32 (local.get $x)))
    (local.set $sign (i32.shr_u (local.get $ix) (i32.const 31)))
    (local.set $ix (i32.and (local.get $ix) (i32.const 0x7fffffff)))
    (if (i32.ge_u (local.get $ix) (i32.const 0x4c800000))
      (then
        (if (f32.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
        (local.set $z (f32.add (f32.const 1.5707962513e+00) (f32.const 0x1p-120)))
        (return (select (f32.neg (local.get $z)) (local.get $z) (local.get $sign)))))
    (if (i32.lt_u (local.get $ix) (i32.const 0x3ee00000))
      (then
        (if (i32.lt_u (local.get $ix) (i32.const 0x39800000)) (then (return (local.get $x))))
        (local.set $id (i32.const -1)))
      (else
        (local.set $x (f32.abs (local.get $x)))
        (if (i32.lt_u (local.get $ix) (i32.const 0x3f980000))
          (then
            (if (i32.lt_u (local.get $ix) (i32.const 0x3f300000))
              (then
                (local.set $id (i32.const 0))
                (local.set $x (f32.div (f32.sub (f32.mul (f32.const 2) (local.get $x)) (f32.const 1))
                  (f32.add (f32.const 2) (local.get $x)))))
              (else
                (local.set $id (i32.const 1))
                (local.set $x (f32.div (f32.sub (local.get $x) (f32.const 1)) (f32.add (local.get $x) (f32.const 1)))))))
          (else
            (if (i32.lt_u (local.get $ix) (i32.const 0x401c0000))
              (then
                (local.set $id (i32.const 2))
                (local.set $x (f32.div (f32.sub (local.get $x) (f32.const 1.5))
                  (f32.add (f32.const 1) (f32.mul (f32.const 1.5) (local.get $x))))))
              (else
                (local.set $id (i32.const 3))
                (local.set $x (f32.div (f32.const -1) (local.get $x)))))))))
    (local.set $z (f32.mul (local.get $x) (local.get $x)))
    (local.set $w (f32.mul (local.get $z) (local.get $z)))
    (local.set $s1 (f32.mul (local.get $z) (f32.add (f32.const 3.3333328366e-01)
      (f32.mul (local.get $w) (f32.add (f32.const 1.4253635705e-01) (f32.mul (local.get $w) (f32.const 6.1687607318e-02)))))))
    (local.set $s2 (f32.mul (local.get $w) (f32.add (f32.const -1.9999158382e-01)
      (f32.mul (local.get $w) (f32.const -1.0648017377e-01)))))
    (if (i32.lt_s (local.get $id) (i32.const 0))
      (then (return (f32.sub (local.get $x) (f32.mul (local.get $x) (f32.add (local.get $s1) (local.get $s2)))))))
    (local.set $hi (select (select (f32.const 4.6364760399e-01) (f32.const 7.8539812565e-01) (i32.eqz (local.get $id)))
      (select (f32.const 9.8279368877e-01) (f32.const 1.5707962513e+00) (i32.eq (local.get $id) (i32.const 2)))
      (i32.lt_u (local.get $id) (i32.const 2))))
    (local.set $lo (select (select (f32.const 5.0121582440e-09) (f32.const 3.7748947079e-08) (i32.eqz (local.get $id)))
      (select (f32.const 3.4473217170e-08) (f32.const 7.5497894159e-08) (i32.eq (local.get $id) (i32.const 2)))
      (i32.lt_u (local.get $id) (i32.const 2))))
    (local.set $z (f32.sub (local.get $hi) (f32.sub (f32.sub (f32.mul (local.get $x) (f32.add (local.get $s1) (local.get $s2)))
      (local.get $lo)) (local.get $x))))
    (select (f32.neg (local.get $z)) (local.get $z) (local.get $sign)))

  ;; musl's atan2f.
  (func $atan2_1 (param $y f32) (param $x f32) (result f32)
    (local $ix i32) (local $iy i32) (local $m i32) (local $z f32)
    (if (i32.or (f32.ne (local.get $x) (local.get $x)) (f32.ne (local.get $y) (local.get $y)))
      (then (return (f32.add (local.get $x) (local.get $y)))))
    (local.set $ix (i32.reinterpret_f32 (local.get $x)))
    (local.set $iy (i32.reinterpret_f32 (local.get $y)))
    (if (i32.eq (local.get $ix) (i32.const 0x3f800000)) (then (return (call $atanf (local.get $y)))))
    (local.set $m (i32.or (i32.and (i32.shr_u (local.get $iy) (i32.const 31)) (i32.const 1))
      (i32.and (i32.shr_u (local.get $ix) (i32.const 30)) (i32.const 2))))
    (local.set $ix (i32.and (local.get $ix) (i32.const 0x7fffffff)))
    (local.set $iy (i32.and (local.get $iy) (i32.const 0x7fffffff)))
    (if (i32.eqz (local.get $iy))
      (then
        (if (i32.lt_u (local.get $m) (i32.const 2)) (then (return (local.get $y))))
        (return (select (f32.const 3.1415927410e+00) (f32.const -3.1415927410e+00) (i32.eq (local.get $m) (i32.const 2))))))
    (if (i32.eqz (local.get $ix))
      (then (return (select (f32.const -1.5707963705) (f32.const 1.5707963705) (i32.and (local.get $m) (i32.const 1))))))
    (if (i32.eq (local.get $ix) (i32.const 0x7f800000))
      (then
        (if (i32.eq (local.get $iy) (i32.const 0x7f800000))
          (then
            (return (select
              (select (f32.const -0.78539818525) (f32.const 0.78539818525) (i32.and (local.get $m) (i32.const 1)))
              (select (f32.const -2.3561944962) (f32.const 2.3561944962) (i32.and (local.get $m) (i32.const 1)))
              (i32.lt_u (local.get $m) (i32.const 2))))))
        (return (select
          (select (f32.const -0) (f32.const 0) (i32.and (local.get $m) (i32.const 1)))
          (select (f32.const -3.1415927410e+00) (f32.const 3.1415927410e+00) (i32.and (local.get $m) (i32.const 1)))
          (i32.lt_u (local.get $m) (i32.const 2))))))
    (if (i32.or (i32.lt_u (i32.add (local.get $ix) (i32.const 0x0d000000)) (local.get $iy))
        (i32.eq (local.get $iy) (i32.const 0x7f800000)))
      (then (return (select (f32.const -1.5707963705) (f32.const 1.5707963705) (i32.and (local.get $m) (i32.const 1))))))
    (if (i32.and (i32.ne (i32.and (local.get $m) (i32.const 2)) (i32.const 0))
        (i32.lt_u (i32.add (local.get $iy) (i32.const 0x0d000000)) (local.get $ix)))
      (then (local.set $z (f32.const 0)))
      (else (local.set $z (call $atanf (f32.abs (f32.div (local.get $y) (local.get $x)))))))
    (if (i32.eqz (local.get $m)) (then (return (local.get $z))))
    (if (i32.eq (local.get $m) (i32.const 1)) (then (return (f32.neg (local.get $z)))))
    (if (i32.eq (local.get $m) (i32.const 2))
      (then (return (f32.sub (f32.const 3.1415927410e+00) (f32.sub (local.get $z) (f32.const -8.7422776573e-08))))))
    (f32.sub (f32.sub (local.get $z) (f32.const -8.7422776573e-08)) (f32.const 3.1415927410e+00)))

  ;; out[i] = atan2(y[i], x[i]) for n floats.
  (func (export "atan2") (param $y i32) (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $vec i32) (local $end i32) (local $k i32)
    (local $Y v128) (local $X v128) (local $IX v128) (local $IY v128) (local $M v128) (local $T v128)
    (local $IT v128) (local $C v128) (local $NUM v128) (local $DEN v128) (local $HI v128) (local $LO v128)
    (local $XR v128) (local $ZQ v128) (local $W v128) (local $S v128) (local $R v128) (local $Z v128)
    (local $HALF v128)
    (local.set $vec (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
        (local.set $Y (v128.load (i32.add (local.get $y) (local.get $i))))
        (local.set $X (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $IX (v128.and (local.get $X) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $IY (v128.and (local.get $Y) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (if (v128.any_true (v128.or
              (v128.or
                (i32x4.ge_u (local.get $IX) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
                (i32x4.ge_u (local.get $IY) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))
              (i32x4.eq (local.get $X) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
          (then
            ;; NaN, infinity or x = 1 in some lane: the scalar port for these four.
            (local.set $k (i32.const 0))
            (block $scalar_done
              (loop $scalar
                (br_if $scalar_done (i32.ge_u (local.get $k) (i32.const 16)))
                (f32.store (i32.add (local.get $out) (i32.add (local.get $i) (local.get $k)))
                  (call $atan2_1
                    (f32.load (i32.add (local.get $y) (i32.add (local.get $i) (local.get $k))))
                    (f32.load (i32.add (local.get $x) (i32.add (local.get $i) (local.get $k))))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $scalar))))
          (else
            ;; m = 2 * sign(x) + sign(y), per lane.
            (local.set $M (v128.or (i32x4.shr_u (local.get $Y) (i32.const 31))
              (v128.and (i32x4.shr_u (local.get $X) (i32.const 30)) (v128.const i32x4 2 2 2 2))))
            ;; t = |y / x| and atanf(t) (t >= 0), every interval computed, the lane's own kept.
            (local.set $T (f32x4.abs (f32x4.div (local.get $Y) (local.get $X))))
            (local.set $IT (local.get $T))
            ;; interval 3 (t >= 2.4375): -1 / t
            (local.set $NUM (v128.const f32x4 -1 -1 -1 -1))
            (local.set $DEN (local.get $T))
            (local.set $HI (v128.const f32x4 1.5707962513e+00 1.5707962513e+00 1.5707962513e+00 1.5707962513e+00))
            (local.set $LO (v128.const f32x4 7.5497894159e-08 7.5497894159e-08 7.5497894159e-08 7.5497894159e-08))
            ;; interval 2 (t < 2.4375): (t - 1.5) / (1 + 1.5 t)
            (local.set $C (i32x4.lt_u (local.get $IT) (v128.const i32x4 0x401c0000 0x401c0000 0x401c0000 0x401c0000)))
            (local.set $NUM (v128.bitselect (f32x4.sub (local.get $T) (v128.const f32x4 1.5 1.5 1.5 1.5))
              (local.get $NUM) (local.get $C)))
            (local.set $DEN (v128.bitselect
              (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (v128.const f32x4 1.5 1.5 1.5 1.5) (local.get $T)))
              (local.get $DEN) (local.get $C)))
            (local.set $HI (v128.bitselect
              (v128.const f32x4 9.8279368877e-01 9.8279368877e-01 9.8279368877e-01 9.8279368877e-01)
              (local.get $HI) (local.get $C)))
            (local.set $LO (v128.bitselect
              (v128.const f32x4 3.4473217170e-08 3.4473217170e-08 3.4473217170e-08 3.4473217170e-08)
              (local.get $LO) (local.get $C)))
            ;; interval 1 (t < 1.1875): (t - 1) / (t + 1)
            (local.set $C (i32x4.lt_u (local.get $IT) (v128.const i32x4 0x3f980000 0x3f980000 0x3f980000 0x3f980000)))
            (local.set $NUM (v128.bitselect (f32x4.sub (local.get $T) (v128.const f32x4 1 1 1 1))
              (local.get $NUM) (local.get $C)))
            (local.set $DEN (v128.bitselect (f32x4.add (local.get $T) (v128.const f32x4 1 1 1 1))
              (local.get $DEN) (local.get $C)))
            (local.set $HI (v128.bitselect
              (v128.const f32x4 7.8539812565e-01 7.8539812565e-01 7.8539812565e-01 7.8539812565e-01)
              (local.get $HI) (local.get $C)))
            (local.set $LO (v128.bitselect
              (v128.const f32x4 3.7748947079e-08 3.7748947079e-08 3.7748947079e-08 3.7748947079e-08)
              (local.get $LO) (local.get $C)))
            ;; interval 0 (t < 0.6875): (2 t - 1) / (2 + t)
            (local.set $C (i32x4.lt_u (local.get $IT) (v128.const i32x4 0x3f300000 0x3f300000 0x3f300000 0x3f300000)))
            (local.set $NUM (v128.bitselect
              (f32x4.sub (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $T)) (v128.const f32x4 1 1 1 1))
              (local.get $NUM) (local.get $C)))
            (local.set $DEN (v128.bitselect (f32x4.add (v128.const f32x4 2 2 2 2) (local.get $T))
              (local.get $DEN) (local.get $C)))
            (local.set $HI (v128.bitselect
              (v128.const f32x4 4.6364760399e-01 4.6364760399e-01 4.6364760399e-01 4.6364760399e-01)
              (local.get $HI) (local.get $C)))
            (local.set $LO (v128.bitselect
              (v128.const f32x4 5.0121582440e-09 5.0121582440e-09 5.0121582440e-09 5.0121582440e-09)
              (local.get $LO) (local.get $C)))
            ;; interval -1 (t < 0.4375): t itself (t / 1 is t)
            (local.set $C (i32x4.lt_u (local.get $IT) (v128.const i32x4 0x3ee00000 0x3ee00000 0x3ee00000 0x3ee00000)))
            (local.set $NUM (v128.bitselect (local.get $T) (local.get $NUM) (local.get $C)))
            (local.set $DEN (v128.bitselect (v128.const f32x4 1 1 1 1) (local.get $DEN) (local.get $C)))
            (local.set $XR (f32x4.div (local.get $NUM) (local.get $DEN)))
            (local.set $ZQ (f32x4.mul (local.get $XR) (local.get $XR)))
            (local.set $W (f32x4.mul (local.get $ZQ) (local.get $ZQ)))
            ;; s = s1 + s2
            (local.set $S (f32x4.add
              (f32x4.mul (local.get $ZQ) (f32x4.add
                (v128.const f32x4 3.3333328366e-01 3.3333328366e-01 3.3333328366e-01 3.3333328366e-01)
                (f32x4.mul (local.get $W) (f32x4.add
                  (v128.const f32x4 1.4253635705e-01 1.4253635705e-01 1.4253635705e-01 1.4253635705e-01)
                  (f32x4.mul (local.get $W)
                    (v128.const f32x4 6.1687607318e-02 6.1687607318e-02 6.1687607318e-02 6.1687607318e-02))))))
              (f32x4.mul (local.get $W) (f32x4.add
                (v128.const f32x4 -1.9999158382e-01 -1.9999158382e-01 -1.9999158382e-01 -1.9999158382e-01)
                (f32x4.mul (local.get $W)
                  (v128.const f32x4 -1.0648017377e-01 -1.0648017377e-01 -1.0648017377e-01 -1.0648017377e-01))))))
            (local.set $R (v128.bitselect
              (f32x4.sub (local.get $XR) (f32x4.mul (local.get $XR) (local.get $S)))
              (f32x4.sub (local.get $HI)
                (f32x4.sub (f32x4.sub (f32x4.mul (local.get $XR) (local.get $S)) (local.get $LO)) (local.get $XR)))
              (local.get $C)))
            ;; atanf's own ends: t < 2^-12 gives t, t >= 2^26 gives hi[3] + 2^-120
            (local.set $R (v128.bitselect (local.get $T) (local.get $R)
              (i32x4.lt_u (local.get $IT) (v128.const i32x4 0x39800000 0x39800000 0x39800000 0x39800000))))
            (local.set $R (v128.bitselect
              (f32x4.add (v128.const f32x4 1.5707962513e+00 1.5707962513e+00 1.5707962513e+00 1.5707962513e+00)
                (v128.const f32x4 0x1p-120 0x1p-120 0x1p-120 0x1p-120))
              (local.get $R)
              (i32x4.ge_u (local.get $IT) (v128.const i32x4 0x4c800000 0x4c800000 0x4c800000 0x4c800000))))
            ;; x < 0 and |y/x| < 2^-26: z = 0
            (local.set $Z (v128.andnot (local.get $R)
              (v128.and (i32x4.ne (v128.and (local.get $M) (v128.const i32x4 2 2 2 2)) (v128.const i32x4 0 0 0 0))
                (i32x4.lt_u (i32x4.add (local.get $IY) (v128.const i32x4 0x0d000000 0x0d000000 0x0d000000 0x0d000000))
                  (local.get $IX)))))
            ;; the quadrant: m 0: z, 1: -z, 2: pi - (z - pi_lo), 3: (z - pi_lo) - pi
            (local.set $R (f32x4.sub (local.get $Z)
              (v128.const f32x4 -8.7422776573e-08 -8.7422776573e-08 -8.7422776573e-08 -8.7422776573e-08)))
            (local.set $R (v128.bitselect
              (v128.bitselect (f32x4.neg (local.get $Z)) (local.get $Z)
                (i32x4.eq (local.get $M) (v128.const i32x4 1 1 1 1)))
              (v128.bitselect
                (f32x4.sub (local.get $R)
                  (v128.const f32x4 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00))
                (f32x4.sub (v128.const f32x4 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00)
                  (local.get $R))
                (i32x4.eq (local.get $M) (v128.const i32x4 3 3 3 3)))
              (i32x4.lt_u (local.get $M) (v128.const i32x4 2 2 2 2))))
            ;; |y/x| > 2^26 (by exponents) or x = 0: +-pi/2 by y's sign
            (local.set $HALF (v128.bitselect
              (v128.const f32x4 -1.5707963705 -1.5707963705 -1.5707963705 -1.5707963705)
              (v128.const f32x4 1.5707963705 1.5707963705 1.5707963705 1.5707963705)
              (i32x4.ne (v128.and (local.get $M) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 0 0 0 0))))
            (local.set $R (v128.bitselect (local.get $HALF) (local.get $R)
              (v128.or
                (i32x4.lt_u (i32x4.add (local.get $IX) (v128.const i32x4 0x0d000000 0x0d000000 0x0d000000 0x0d000000))
                  (local.get $IY))
                (i32x4.eq (local.get $IX) (v128.const i32x4 0 0 0 0)))))
            ;; y = 0: y itself for x >= +0, +-pi for x <= -0
            (local.set $R (v128.bitselect
              (v128.bitselect (local.get $Y)
                (v128.bitselect
                  (v128.const f32x4 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00 3.1415927410e+00)
                  (v128.const f32x4 -3.1415927410e+00 -3.1415927410e+00 -3.1415927410e+00 -3.1415927410e+00)
                  (i32x4.eq (local.get $M) (v128.const i32x4 2 2 2 2)))
                (i32x4.lt_u (local.get $M) (v128.const i32x4 2 2 2 2)))
              (local.get $R)
              (i32x4.eq (local.get $IY) (v128.const i32x4 0 0 0 0))))
            (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $R))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (call $atan2_1 (f32.load (i32.add (local.get $y) (local.get $i))) (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
)
