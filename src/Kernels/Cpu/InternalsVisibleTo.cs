// PruneVid.NET — Cpu backend internals (the worker pool) exercised directly by their tests.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Kernels.Tests")]
