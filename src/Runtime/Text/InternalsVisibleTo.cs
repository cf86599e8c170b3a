// PruneVid.NET — tokenizer, media and preprocessing internals exercised directly by their tests, and read by the tools
// assembly's demo (the byte-level alphabet of the tiny model's tokenizer, the ffmpeg options of the synthetic clip).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Runtime.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("PruneVid.Tools")]
