;; RMSNorm of a residual sum, y = s / sqrt(mean(s^2) + eps) with s = a + b, and the two passes of its
;; gradient, for tfjs-backend-wasm (core/kernels/wasm_norm.ts runs them; `deno task build-wasm`
;; assembles this file into the bytes there, and a test checks that they match).
;;
;; The module imports tfjs's own WebAssembly.Memory: the arguments are byte offsets of tensors on its
;; heap. The normalised axis has `n` elements. `_last` functions take it as the last axis (`rows` rows of
;; n floats, one statistic per row); `_mid` functions as the middle axis of [outer, n, inner] (one
;; statistic per (outer, inner) column; four columns at a time with WebAssembly SIMD, then the tail).
;;
;; Bit-identical to tfjs's composed ops (add, square, mean, add eps, rsqrt, mul, and their gradients on
;; the tape): each sum runs in the same sequential order as tfjs-wasm's Mean and Sum kernels (a float
;; sum is not associative; lanes of one vector are different columns, never parts of one sum), and
;; every other value is the same float operation on the same operands (wasm has no fused multiply-add).
;; A test compares every bit.
(module
  (import "env" "memory" (memory 0))

  ;; Forward over the last axis: y = s * r, with v = mean(s^2) + eps and r = 1 / sqrt(v) per row
  ;; (v and r are kept for the gradient).
  (func (export "norm_last")
    (param $a i32) (param $b i32) (param $y i32) (param $v i32) (param $r i32)
    (param $rows i32) (param $n i32) (param $eps f32)
    (local $row i32) (local $i i32) (local $vec i32) (local $end i32)
    (local $s f32) (local $acc f32) (local $vv f32) (local $rr f32) (local $R v128)
    (local.set $vec (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        ;; sum of squares, in order
        (local.set $acc (f32.const 0))
        (local.set $i (i32.const 0))
        (block $done
          (loop $sum
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $s (f32.add (f32.load (i32.add (local.get $a) (local.get $i)))
              (f32.load (i32.add (local.get $b) (local.get $i)))))
            (local.set $acc (f32.add (local.get $acc) (f32.mul (local.get $s) (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $vv (f32.add (f32.div (local.get $acc) (f32.convert_i32_u (local.get $n))) (local.get $eps)))
        (local.set $rr (f32.div (f32.const 1) (f32.sqrt (local.get $vv))))
        (f32.store (local.get $v) (local.get $vv))
        (f32.store (local.get $r) (local.get $rr))
        ;; y = s * r
        (local.set $R (f32x4.splat (local.get $rr)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
            (v128.store (i32.add (local.get $y) (local.get $i))
              (f32x4.mul (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i)))
                (v128.load (i32.add (local.get $b) (local.get $i)))) (local.get $R)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (f32.store (i32.add (local.get $y) (local.get $i))
              (f32.mul (f32.add (f32.load (i32.add (local.get $a) (local.get $i)))
                (f32.load (i32.add (local.get $b) (local.get $i)))) (local.get $rr)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $b (i32.add (local.get $b) (local.get $end)))
        (local.set $y (i32.add (local.get $y) (local.get $end)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $each_row))))

  ;; The gradient's first pass over the last axis: d[row] = sum of dy * s, in order (the gradient of
  ;; y = s * r with respect to r).
  (func (export "dot_last")
    (param $a i32) (param $b i32) (param $dy i32) (param $d i32) (param $rows i32) (param $n i32)
    (local $row i32) (local $i i32) (local $end i32) (local $acc f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $acc (f32.const 0))
        (local.set $i (i32.const 0))
        (block $done
          (loop $sum
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $acc (f32.add (local.get $acc)
              (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i)))
                (f32.add (f32.load (i32.add (local.get $a) (local.get $i)))
                  (f32.load (i32.add (local.get $b) (local.get $i)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (f32.store (local.get $d) (local.get $acc))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $b (i32.add (local.get $b) (local.get $end)))
        (local.set $dy (i32.add (local.get $dy) (local.get $end)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $each_row))))

  ;; The gradient's second pass over the last axis: ds = dy * r + k * (s * 2), k = the mean's gradient
  ;; per row (the tape's mul's, then square's, summed).
  (func (export "grad_last")
    (param $a i32) (param $b i32) (param $dy i32) (param $r i32) (param $k i32) (param $ds i32)
    (param $rows i32) (param $n i32)
    (local $row i32) (local $i i32) (local $vec i32) (local $end i32)
    (local $rr f32) (local $kk f32) (local $R v128) (local $K v128)
    (local.set $vec (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $rr (f32.load (local.get $r)))
        (local.set $kk (f32.load (local.get $k)))
        (local.set $R (f32x4.splat (local.get $rr)))
        (local.set $K (f32x4.splat (local.get $kk)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
            (v128.store (i32.add (local.get $ds) (local.get $i))
              (f32x4.add
                (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (local.get $R))
                (f32x4.mul (local.get $K)
                  (f32x4.mul
                    (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i)))
                      (v128.load (i32.add (local.get $b) (local.get $i))))
                    (v128.const f32x4 2 2 2 2)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (f32.store (i32.add (local.get $ds) (local.get $i))
              (f32.add
                (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (local.get $rr))
                (f32.mul (local.get $kk)
                  (f32.mul
                    (f32.add (f32.load (i32.add (local.get $a) (local.get $i)))
                      (f32.load (i32.add (local.get $b) (local.get $i))))
                    (f32.const 2)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $b (i32.add (local.get $b) (local.get $end)))
        (local.set $dy (i32.add (local.get $dy) (local.get $end)))
        (local.set $ds (i32.add (local.get $ds) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $each_row))))

  ;; Adds (a + b)^2, or dy * (a + b) when $dy is not 0, of one [n, inner] block into acc[inner], row by
  ;; row: each column's sum in order, four columns per vector.
  (func $accumulate
    (param $a i32) (param $b i32) (param $dy i32) (param $acc i32) (param $n i32) (param $inner i32)
    (local $l i32) (local $c i32) (local $vec i32) (local $end i32) (local $S v128) (local $s f32)
    (local.set $vec (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $inner) (i32.const 2)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $l) (local.get $n)))
        (local.set $c (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $c) (local.get $vec)))
            (local.set $S (f32x4.add (v128.load (i32.add (local.get $a) (local.get $c)))
              (v128.load (i32.add (local.get $b) (local.get $c)))))
            (v128.store (i32.add (local.get $acc) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $c)))
                (f32x4.mul
                  (if (result v128) (local.get $dy)
                    (then (v128.load (i32.add (local.get $dy) (local.get $c))))
                    (else (local.get $S)))
                  (local.get $S))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
            (local.set $s (f32.add (f32.load (i32.add (local.get $a) (local.get $c)))
              (f32.load (i32.add (local.get $b) (local.get $c)))))
            (f32.store (i32.add (local.get $acc) (local.get $c))
              (f32.add (f32.load (i32.add (local.get $acc) (local.get $c)))
                (f32.mul
                  (if (result f32) (local.get $dy)
                    (then (f32.load (i32.add (local.get $dy) (local.get $c))))
                    (else (local.get $s)))
                  (local.get $s))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $b (i32.add (local.get $b) (local.get $end)))
        (if (local.get $dy) (then (local.set $dy (i32.add (local.get $dy) (local.get $end)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $each_row))))

  ;; Writes, for each of the block's n rows, out = x * r + k * ((a + b) * 2) per column, where x is dy
  ;; (gradient) or 0 (forward: out = (a + b) * r, with k unused). k and r are per column.
  (func $scale
    (param $a i32) (param $b i32) (param $dy i32) (param $r i32) (param $k i32) (param $out i32)
    (param $n i32) (param $inner i32)
    (local $l i32) (local $c i32) (local $vec i32) (local $end i32) (local $S v128) (local $s f32)
    (local.set $vec (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $inner) (i32.const 2)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $l) (local.get $n)))
        (local.set $c (i32.const 0))
        (block $done
          (loop $lanes
            (br_if $done (i32.ge_u (local.get $c) (local.get $vec)))
            (local.set $S (f32x4.add (v128.load (i32.add (local.get $a) (local.get $c)))
              (v128.load (i32.add (local.get $b) (local.get $c)))))
            (v128.store (i32.add (local.get $out) (local.get $c))
              (if (result v128) (local.get $dy)
                (then
                  (f32x4.add
                    (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $c)))
                      (v128.load (i32.add (local.get $r) (local.get $c))))
                    (f32x4.mul (v128.load (i32.add (local.get $k) (local.get $c)))
                      (f32x4.mul (local.get $S) (v128.const f32x4 2 2 2 2)))))
                (else (f32x4.mul (local.get $S) (v128.load (i32.add (local.get $r) (local.get $c)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (block $done
          (loop $tail
            (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
            (local.set $s (f32.add (f32.load (i32.add (local.get $a) (local.get $c)))
              (f32.load (i32.add (local.get $b) (local.get $c)))))
            (f32.store (i32.add (local.get $out) (local.get $c))
              (if (result f32) (local.get $dy)
                (then
                  (f32.add
                    (f32.mul (f32.load (i32.add (local.get $dy) (local.get $c)))
                      (f32.load (i32.add (local.get $r) (local.get $c))))
                    (f32.mul (f32.load (i32.add (local.get $k) (local.get $c)))
                      (f32.mul (local.get $s) (f32.const 2)))))
                (else (f32.mul (local.get $s) (f32.load (i32.add (local.get $r) (local.get $c)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $b (i32.add (local.get $b) (local.get $end)))
        (local.set $out (i32.add (local.get $out) (local.get $end)))
        (if (local.get $dy) (then (local.set $dy (i32.add (local.get $dy) (local.get $end)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $each_row))))

  ;; Zeroes `count` floats.
  (func $zero (param $p i32) (param $count i32)
    (memory.fill (local.get $p) (i32.const 0) (i32.shl (local.get $count) (i32.const 2))))

  ;; Forward over the middle axis of [outer, n, inner]: per column, v = mean(s^2) + eps and
  ;; r = 1 / sqrt(v) ([outer, inner] each), y = s * r.
  (func (export "norm_mid")
    (param $a i32) (param $b i32) (param $y i32) (param $v i32) (param $r i32)
    (param $outer i32) (param $n i32) (param $inner i32) (param $eps f32)
    (local $o i32) (local $c i32) (local $block i32) (local $end i32) (local $vv f32)
    (local.set $block (i32.shl (i32.mul (local.get $n) (local.get $inner)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $inner) (i32.const 2)))
    (block $outer_done
      (loop $each_outer
        (br_if $outer_done (i32.ge_u (local.get $o) (local.get $outer)))
        (call $zero (local.get $v) (local.get $inner))
        (call $accumulate (local.get $a) (local.get $b) (i32.const 0) (local.get $v) (local.get $n)
          (local.get $inner))
        ;; per column: v = sum / n + eps, r = 1 / sqrt(v) (scalar: n per column is few)
        (local.set $c (i32.const 0))
        (block $done
          (loop $cols
            (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
            (local.set $vv (f32.add
              (f32.div (f32.load (i32.add (local.get $v) (local.get $c))) (f32.convert_i32_u (local.get $n)))
              (local.get $eps)))
            (f32.store (i32.add (local.get $v) (local.get $c)) (local.get $vv))
            (f32.store (i32.add (local.get $r) (local.get $c)) (f32.div (f32.const 1) (f32.sqrt (local.get $vv))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $cols)))
        (call $scale (local.get $a) (local.get $b) (i32.const 0) (local.get $r) (i32.const 0) (local.get $y)
          (local.get $n) (local.get $inner))
        (local.set $a (i32.add (local.get $a) (local.get $block)))
        (local.set $b (i32.add (local.get $b) (local.get $block)))
        (local.set $y (i32.add (local.get $y) (local.get $block)))
        (local.set $v (i32.add (local.get $v) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (local.get $end)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $each_outer))))

  ;; dot_last over the middle axis: d[outer, inner] = sum over n of dy * s. $dy must not be 0 (it is a
  ;; tensor's offset on tfjs's heap, never 0).
  (func (export "dot_mid")
    (param $a i32) (param $b i32) (param $dy i32) (param $d i32) (param $outer i32) (param $n i32)
    (param $inner i32)
    (local $o i32) (local $block i32)
    (local.set $block (i32.shl (i32.mul (local.get $n) (local.get $inner)) (i32.const 2)))
    (block $outer_done
      (loop $each_outer
        (br_if $outer_done (i32.ge_u (local.get $o) (local.get $outer)))
        (call $zero (local.get $d) (local.get $inner))
        (call $accumulate (local.get $a) (local.get $b) (local.get $dy) (local.get $d) (local.get $n)
          (local.get $inner))
        (local.set $a (i32.add (local.get $a) (local.get $block)))
        (local.set $b (i32.add (local.get $b) (local.get $block)))
        (local.set $dy (i32.add (local.get $dy) (local.get $block)))
        (local.set $d (i32.add (local.get $d) (i32.shl (local.get $inner) (i32.const 2))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $each_outer))))

  ;; grad_last over the middle axis: r and k are [outer, inner].
  (func (export "grad_mid")
    (param $a i32) (param $b i32) (param $dy i32) (param $r i32) (param $k i32) (param $ds i32)
    (param $outer i32) (param $n i32) (param $inner i32)
    (local $o i32) (local $block i32) (local $row i32)
    (local.set $block (i32.shl (i32.mul (local.get $n) (local.get $inner)) (i32.const 2)))
    (local.set $row (i32.shl (local.get $inner) (i32.const 2)))
    (block $outer_done
      (loop $each_outer
        (br_if $outer_done (i32.ge_u (local.get $o) (local.get $outer)))
        (call $scale (local.get $a) (local.get $b) (local.get $dy) (local.get $r) (local.get $k) (local.get $ds)
          (local.get $n) (local.get $inner))
        (local.set $a (i32.add (local.get $a) (local.get $block)))
        (local.set $b (i32.add (local.get $b) (local.get $block)))
        (local.set $dy (i32.add (local.get $dy) (local.get $block)))
        (local.set $ds (i32.add (local.get $ds) (local.get $block)))
        (local.set $r (i32.add (local.get $r) (local.get $row)))
        (local.set $k (i32.add (local.get $k) (local.get $row)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $each_outer))))
)
