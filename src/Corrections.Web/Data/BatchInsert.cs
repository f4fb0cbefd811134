using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Corrections.Data;

/// <summary>
/// Inserts new rows in the context's transaction with one INSERT per table, sent as one batch to a database server and
/// prepared once and executed once a row in SQLite, converting each value the way the model maps it. SaveChanges costs a submission batch several times more on a busy core, and
/// one multi-row INSERT is slower still: the driver binds hundreds of named parameters in quadratic time.
/// The commands go to the connection directly, so EF Core's logging and command interceptors do not see them.
/// </summary>
public static class BatchInsert
{
    public static async Task InsertAsync<T>(this CorrectionsDb db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        // Keys the database numbers itself are left out.
        var columns = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid)))
            .Select(p => (Property: p, Mapping: p.GetRelationalTypeMapping(), Name: p.GetColumnName(table)!))
            .ToList();
        var names = columns.Select((_, i) => $"@p{i}").ToList();
        var insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ({string.Join(", ", names)})";

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        // The mapping converts each value as SaveChanges would (ticks for instants, text for enums).
        DbParameter Parameter(DbCommand command, int c, T row) =>
            columns[c].Mapping.CreateParameter(command, names[c], columns[c].Property.GetGetter().GetClrValue(row), columns[c].Property.IsNullable);

        if (connection.CanCreateBatch)
        {
            // A database server is a round trip away: all the rows go in one batch.
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            await using var parameters = connection.CreateCommand();
            foreach (var row in rows)
            {
                var insertRow = batch.CreateBatchCommand();
                insertRow.CommandText = insert;
                for (var c = 0; c < columns.Count; c++)
                    insertRow.Parameters.Add(Parameter(parameters, c, row));
                batch.BatchCommands.Add(insertRow);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        // SQLite is in the process: one statement, prepared once and run once a row.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = insert;
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            for (var c = 0; c < columns.Count; c++)
                command.Parameters.Add(Parameter(command, c, row));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
