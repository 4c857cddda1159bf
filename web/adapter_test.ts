import { assertEquals } from "@std/assert";
import { isHardwareAdapter } from "./adapter.ts";

Deno.test("isHardwareAdapter: software rasterisers and fallbacks are not hardware, in any field", () => {
  // What headless Chromium 156 reports for SwiftShader: the name only in vendor/architecture.
  assertEquals(
    isHardwareAdapter({
      vendor: "google",
      architecture: "swiftshader",
      device: "",
      description: "",
      isFallbackAdapter: true,
    }),
    false,
  );
  assertEquals(isHardwareAdapter({ vendor: "google", architecture: "swiftshader" }), false);
  assertEquals(isHardwareAdapter({ vendor: "mesa", description: "llvmpipe (LLVM 15.0.6, 256 bits)" }), false);
  assertEquals(isHardwareAdapter({ vendor: "mesa", device: "lavapipe" }), false);
  assertEquals(
    isHardwareAdapter({ vendor: "nvidia", architecture: "hopper" }, true),
    false,
    "adapter.isFallbackAdapter",
  );
  assertEquals(
    isHardwareAdapter({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" }),
    true,
  );
  assertEquals(isHardwareAdapter({ vendor: "apple", architecture: "metal-3" }), true);
  assertEquals(isHardwareAdapter({}), true, "a browser that says nothing gets the benefit of the doubt");
});
