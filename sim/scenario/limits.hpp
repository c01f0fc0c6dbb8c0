#pragma once
// Caps on what one scenario may ask for. Every rank is simulated (DESIGN.md,
// "Scale"), so memory and time grow with the GPU count; the caps keep a typo
// (nodes: 1e12) a clear error instead of an allocation that never ends.
namespace orrery {

inline constexpr int kMaxNodes = 16384;
inline constexpr int kMaxGpus = 131072;   // 16384 nodes x 8 GPUs
inline constexpr int kMaxJsonDepth = 64;  // scenario files nest 4 levels; catalogs 3

}  // namespace orrery
