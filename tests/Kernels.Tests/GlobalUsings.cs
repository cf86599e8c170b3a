// PruneVid.NET — kernel tests.
global using Xunit;
