//! PostScript calculator functions (type 4), as spot colours' tint
//! transforms are sometimes written: a straight run of arithmetic and
//! stack operators, run on a few tints to tell a spot colour that never
//! puts ink on the page (`{pop 0 0 0 0}` into CMYK). A program with
//! branches (`if`, `ifelse`) or any other operator is not run: what it
//! paints is not told (see `Space::of`).

/// A program longer than this is no tint transform of a form.
const MAX_PROGRAM_BYTES: usize = 4096;
/// Operators one run may carry out.
const MAX_STEPS: usize = 10_000;
/// Values the stack may hold.
const MAX_STACK: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Token {
    Number(f32),
    Operator(Operator),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Operator {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Abs,
    Ceiling,
    Floor,
    Round,
    Truncate,
    Cvi,
    Cvr,
    Sqrt,
    Dup,
    Exch,
    Pop,
    Copy,
    Index,
    Roll,
}

/// The program's operators in order, when it is a straight run of those
/// this module runs; else none.
pub(super) fn parse(program: &[u8]) -> Option<Vec<Token>> {
    if program.len() > MAX_PROGRAM_BYTES {
        return None;
    }
    let text = std::str::from_utf8(program).ok()?;
    let text = text.trim();
    let body = text.strip_prefix('{')?.strip_suffix('}')?;
    if body.contains(['{', '}', '%', '(', '[', '/']) {
        return None;
    }
    body.split_ascii_whitespace()
        .map(|word| {
            if let Ok(n) = word.parse::<f32>() {
                return n.is_finite().then_some(Token::Number(n));
            }
            Some(Token::Operator(match word {
                "add" => Operator::Add,
                "sub" => Operator::Sub,
                "mul" => Operator::Mul,
                "div" => Operator::Div,
                "neg" => Operator::Neg,
                "abs" => Operator::Abs,
                "ceiling" => Operator::Ceiling,
                "floor" => Operator::Floor,
                "round" => Operator::Round,
                "truncate" => Operator::Truncate,
                "cvi" => Operator::Cvi,
                "cvr" => Operator::Cvr,
                "sqrt" => Operator::Sqrt,
                "dup" => Operator::Dup,
                "exch" => Operator::Exch,
                "pop" => Operator::Pop,
                "copy" => Operator::Copy,
                "index" => Operator::Index,
                "roll" => Operator::Roll,
                _ => return None,
            }))
        })
        .collect()
}

/// The program run on `inputs`: the stack it leaves, or none when it
/// goes wrong (too few operands, a division by zero, past its bounds).
pub(super) fn run(program: &[Token], inputs: &[f32]) -> Option<Vec<f32>> {
    let mut stack: Vec<f32> = inputs.to_vec();
    for (steps, token) in program.iter().enumerate() {
        if steps >= MAX_STEPS || stack.len() > MAX_STACK {
            return None;
        }
        let operator = match token {
            Token::Number(n) => {
                stack.push(*n);
                continue;
            }
            Token::Operator(operator) => *operator,
        };
        let one = |stack: &mut Vec<f32>, f: fn(f32) -> f32| -> Option<()> {
            let a = stack.pop()?;
            stack.push(f(a));
            Some(())
        };
        let two = |stack: &mut Vec<f32>, f: fn(f32, f32) -> Option<f32>| -> Option<()> {
            let b = stack.pop()?;
            let a = stack.pop()?;
            stack.push(f(a, b)?);
            Some(())
        };
        match operator {
            Operator::Add => two(&mut stack, |a, b| Some(a + b))?,
            Operator::Sub => two(&mut stack, |a, b| Some(a - b))?,
            Operator::Mul => two(&mut stack, |a, b| Some(a * b))?,
            Operator::Div => two(&mut stack, |a, b| (b != 0.0).then(|| a / b))?,
            Operator::Neg => one(&mut stack, |a| -a)?,
            Operator::Abs => one(&mut stack, f32::abs)?,
            Operator::Ceiling => one(&mut stack, f32::ceil)?,
            Operator::Floor => one(&mut stack, f32::floor)?,
            Operator::Round => one(&mut stack, f32::round)?,
            Operator::Truncate | Operator::Cvi => one(&mut stack, f32::trunc)?,
            Operator::Cvr => {}
            Operator::Sqrt => {
                let a = stack.pop()?;
                if a < 0.0 {
                    return None;
                }
                stack.push(a.sqrt());
            }
            Operator::Dup => stack.push(*stack.last()?),
            Operator::Exch => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                stack.extend([b, a]);
            }
            Operator::Pop => {
                stack.pop()?;
            }
            Operator::Copy => {
                let n = count(stack.pop()?)?;
                let from = stack.len().checked_sub(n)?;
                stack.extend_from_within(from..);
            }
            Operator::Index => {
                let n = count(stack.pop()?)?;
                let at = stack.len().checked_sub(n + 1)?;
                stack.push(stack[at]);
            }
            Operator::Roll => {
                let j = stack.pop()?;
                let n = count(stack.pop()?)?;
                if j.fract() != 0.0 || !j.is_finite() {
                    return None;
                }
                let from = stack.len().checked_sub(n)?;
                if n > 0 {
                    let shift = (j as i64).rem_euclid(n as i64) as usize;
                    stack[from..].rotate_right(shift);
                }
            }
        }
    }
    (stack.len() <= MAX_STACK && stack.iter().all(|v| v.is_finite())).then_some(stack)
}

/// A whole number of stack places.
fn count(value: f32) -> Option<usize> {
    (value >= 0.0 && value.fract() == 0.0 && value <= MAX_STACK as f32).then_some(value as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_program_runs_and_one_with_branches_does_not() {
        let paper = parse(b"{pop 0 0 0 0}").expect("parses");
        assert_eq!(run(&paper, &[1.0]), Some(vec![0.0, 0.0, 0.0, 0.0]));
        let blue = parse(b"{ dup 0.5 mul exch 0 exch 0 }").expect("parses");
        assert_eq!(run(&blue, &[1.0]), Some(vec![0.5, 0.0, 1.0, 0.0]));
        let rolled = parse(b"{1 2 3 3 1 roll}").expect("parses");
        assert_eq!(run(&rolled, &[]), Some(vec![3.0, 1.0, 2.0]));
        assert_eq!(parse(b"{dup 0.5 gt {pop 1} {pop 0} ifelse}"), None);
        assert_eq!(parse(b"{pop 0 0 0 0 foo}"), None);
        assert_eq!(run(&parse(b"{pop pop}").expect("parses"), &[1.0]), None);
        assert_eq!(run(&parse(b"{0 div}").expect("parses"), &[1.0]), None);
    }
}
