// PruneVid.NET — serving tests: servers share two cores and /tmp, so the test classes run one after another.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
