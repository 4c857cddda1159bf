;; The elementwise passes of the SwiGLU gate product silu(g) * u = (g * s) * u, s = sigmoid(g), and of
;; its gradient, for tfjs-backend-wasm (core/kernels/wasm_gate.ts runs them; `deno task build-wasm`
;; assembles this file into the bytes there, and a test checks that they match).
;;
;; The module imports tfjs's own WebAssembly.Memory: the arguments are byte offsets of tensors on its
;; heap, so nothing is copied in or out. Four lanes at a time with WebAssembly SIMD, then the tail one
;; float at a time. The operations and their order are exactly those of tfjs's composed ops and their
;; gradients (wasm has no fused multiply-add, every product rounds), so the results are bit-identical.
(module
  (import "env" "memory" (memory 0))

  ;; out = (g * s) * u, n floats.
  (func (export "gate") (param $g i32) (param $s i32) (param $u i32) (param $out i32) (param $n i32)
    (local $i i32) (local $vec i32) (local $end i32)
    (local.set $vec (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul
            (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i)))
                       (v128.load (i32.add (local.get $s) (local.get $i))))
            (v128.load (i32.add (local.get $u) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.mul
            (f32.mul (f32.load (i32.add (local.get $g) (local.get $i)))
                     (f32.load (i32.add (local.get $s) (local.get $i))))
            (f32.load (i32.add (local.get $u) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; The gradient for the output gradient dy, as tfjs's tape composes it: t = dy * u (mul's gradient),
  ;; dg = t * s + (t * g) * (s * (1 - s)) (mul's, then sigmoid's), du = dy * (g * s).
  (func (export "gate_grad")
    (param $g i32) (param $s i32) (param $u i32) (param $dy i32) (param $dg i32) (param $du i32) (param $n i32)
    (local $i i32) (local $vec i32) (local $end i32)
    (local $G v128) (local $S v128) (local $D v128) (local $T v128)
    (local $g1 f32) (local $s1 f32) (local $d1 f32) (local $t1 f32)
    (local.set $vec (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $vec)))
        (local.set $G (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $S (v128.load (i32.add (local.get $s) (local.get $i))))
        (local.set $D (v128.load (i32.add (local.get $dy) (local.get $i))))
        (local.set $T (f32x4.mul (local.get $D) (v128.load (i32.add (local.get $u) (local.get $i)))))
        (v128.store (i32.add (local.get $dg) (local.get $i))
          (f32x4.add
            (f32x4.mul (local.get $T) (local.get $S))
            (f32x4.mul
              (f32x4.mul (local.get $T) (local.get $G))
              (f32x4.mul (local.get $S) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $S))))))
        (v128.store (i32.add (local.get $du) (local.get $i))
          (f32x4.mul (local.get $D) (f32x4.mul (local.get $G) (local.get $S))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $g1 (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $s1 (f32.load (i32.add (local.get $s) (local.get $i))))
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
        (br $tail))))
)
