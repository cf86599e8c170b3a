// PruneVid.NET — command line entry point.
Console.WriteLine("prunevid: commands arrive with the end-to-end pipeline.");
return 0;
