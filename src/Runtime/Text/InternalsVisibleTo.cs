// PruneVid.NET — tokenizer, media and preprocessing internals exercised directly by their tests.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Runtime.Tests")]
