using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Corrections.Migrations.SqlServer;

/// <summary>Lets <c>dotnet ef</c> build the model for SQL Server without a server: making migrations and scripts never connects.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CorrectionsDb>
{
    public CorrectionsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CorrectionsDb>()
            .UseSqlServer("Server=design-time;Database=Corrections", sql => sql.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .Options);
}
