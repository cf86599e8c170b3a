// PruneVid.NET — kernel lab and end-to-end benchmarks.
Console.WriteLine("bench: no benchmarks registered yet.");
return 0;
